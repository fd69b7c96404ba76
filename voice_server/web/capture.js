// Microphone capture: getUserMedia (echo cancellation, noise suppression, auto gain on) ->
// MediaStreamSource -> the pcm-capture AudioWorklet -> onFrame(ArrayBuffer of pcm_s16le).
// The graph is built BEFORE getUserMedia resolves its stream into it, so no audio is lost.

export const CONSTRAINTS = {
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
  video: false,
};

export class MicCapture {
  /** @param {{targetRate: number, frameMs: number, workletUrl: string, onFrame(buf: ArrayBuffer): void}} options */
  constructor(options) {
    this.options = options;
    this.stream = null;
    this.node = null;
    this.source = null;
    this.starting = null;
  }

  get active() {
    return this.stream !== null;
  }

  /** Start once (later calls reuse the running capture). Must follow a user gesture in real browsers. */
  start(context) {
    if (!this.starting) {
      this.starting = this._start(context).catch((error) => {
        this.starting = null;
        throw error;
      });
    }
    return this.starting;
  }

  async _start(context) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw new Error("this browser cannot record audio here (it needs https or localhost)");
    }
    await context.audioWorklet.addModule(this.options.workletUrl);
    const node = new AudioWorkletNode(context, "pcm-capture", {
      numberOfInputs: 1,
      numberOfOutputs: 0,
      channelCount: 1,
      channelCountMode: "explicit",
      processorOptions: { targetRate: this.options.targetRate, frameMs: this.options.frameMs },
    });
    node.port.onmessage = (event) => this.options.onFrame(event.data);
    const stream = await navigator.mediaDevices.getUserMedia(CONSTRAINTS);
    this.source = context.createMediaStreamSource(stream);
    this.source.connect(node);
    this.node = node;
    this.stream = stream;
  }

  stop() {
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    if (this.source) this.source.disconnect();
    if (this.node) this.node.port.onmessage = null;
    this.stream = this.node = this.source = this.starting = null;
  }
}
