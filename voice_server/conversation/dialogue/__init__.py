"""The shopping conversation: NLU, state, policy and speakable replies (pure; I/O via ShopPort)."""

from voice_server.conversation.dialogue.nlu import RuleBasedUnderstander, understand
from voice_server.conversation.dialogue.policy import DialogueEngine, TurnResult, note_interrupted
from voice_server.conversation.dialogue.port import ShopPort
from voice_server.conversation.dialogue.state import DialogueState, PendingConfirmation, ShownProduct
from voice_server.conversation.dialogue.understanding import Intent, Slots, Understander, Understanding
from voice_server.conversation.dialogue.vocabulary import Vocabulary, hotwords

__all__ = [
    "DialogueEngine",
    "DialogueState",
    "Intent",
    "PendingConfirmation",
    "RuleBasedUnderstander",
    "ShopPort",
    "ShownProduct",
    "Slots",
    "TurnResult",
    "Understander",
    "Understanding",
    "Vocabulary",
    "hotwords",
    "note_interrupted",
    "understand",
]
