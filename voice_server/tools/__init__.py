"""The tools wing: the `shepherd` command line and the clients it drives.

`cli` is the entry point (`shepherd --help`); `cli_operators` the shop operator's commands;
`chat` types turns through the conversation service; `replay` and `voice_client` speak the voice
protocol over a real socket; `client_turns` and `turn_view` are their pure bookkeeping and views.
"""
