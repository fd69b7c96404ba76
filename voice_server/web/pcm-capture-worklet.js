// AudioWorklet: microphone float samples at the context rate (usually 48 kHz) -> 16-bit PCM
// frames at the negotiated rate (16 kHz by default), posted to the main thread as ArrayBuffers.
// Downsampling = windowed-sinc low-pass (anti-aliasing) + linear interpolation at the output times.

const TAPS = 47;

function lowpass(cutoff) {
  // cutoff in cycles per input sample (< 0.5); Blackman window; unity gain at DC.
  const middle = (TAPS - 1) / 2;
  const taps = new Float32Array(TAPS);
  let sum = 0;
  for (let i = 0; i < TAPS; i += 1) {
    const x = i - middle;
    const sinc = x === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * x) / (Math.PI * x);
    const window = 0.42 - 0.5 * Math.cos((2 * Math.PI * i) / (TAPS - 1)) + 0.08 * Math.cos((4 * Math.PI * i) / (TAPS - 1));
    taps[i] = sinc * window;
    sum += taps[i];
  }
  for (let i = 0; i < TAPS; i += 1) taps[i] /= sum;
  return taps;
}

class PcmCaptureProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const config = (options && options.processorOptions) || {};
    this.targetRate = config.targetRate || 16000;
    this.ratio = sampleRate / this.targetRate; // input samples per output sample
    this.frameSamples = Math.round((this.targetRate * (config.frameMs || 20)) / 1000);
    this.taps = this.ratio > 1 ? lowpass((0.45 * this.targetRate) / sampleRate) : null;
    this.history = new Float32Array(TAPS * 2); // doubled ring: a contiguous window at [pos, pos + TAPS)
    this.pos = 0;
    this.previous = 0;
    this.phase = 0; // where the next output sample lies, in input samples relative to the current one
    this.frame = new Int16Array(this.frameSamples);
    this.filled = 0;
  }

  filter(sample) {
    if (this.taps === null) return sample;
    this.history[this.pos] = sample;
    this.history[this.pos + TAPS] = sample;
    this.pos = (this.pos + 1) % TAPS;
    let acc = 0;
    for (let i = 0; i < TAPS; i += 1) acc += this.taps[i] * this.history[this.pos + i];
    return acc;
  }

  emit(value) {
    const clamped = value > 1 ? 1 : value < -1 ? -1 : value;
    this.frame[this.filled] = clamped < 0 ? clamped * 32768 : clamped * 32767;
    this.filled += 1;
    if (this.filled === this.frameSamples) {
      this.port.postMessage(this.frame.buffer, [this.frame.buffer]);
      this.frame = new Int16Array(this.frameSamples);
      this.filled = 0;
    }
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (let n = 0; n < channel.length; n += 1) {
      const current = this.filter(channel[n]);
      while (this.phase <= 0) {
        const fraction = 1 + this.phase; // between the previous sample (0) and this one (1)
        this.emit(this.previous + (current - this.previous) * fraction);
        this.phase += this.ratio;
      }
      this.phase -= 1;
      this.previous = current;
    }
    return true;
  }
}

registerProcessor("pcm-capture", PcmCaptureProcessor);
