"""The conversation wing: one turn from text to reply, over the shop.

`service.ConversationService` runs a turn (load state, understand, act, store); `dialogue` is the
pure understanding and policy; `context_store` / `profile_cache` are its memory in Valkey and
Postgres; `postgres_shop` is the dialogue's shop port over `commerce`; `vocabulary_loader` reads
the catalog's words; `semantic` and `llm_understander` are the optional learned understanders;
`turn_preview` is the read-only dry run used by speculative turns.
"""
