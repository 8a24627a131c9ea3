"""`make bench`: end-to-end Telegram throughput and latency, measured, never assumed.

`python -m bench` starts the fake Bot API server (tests/fake_telegram.py) in its own process,
then runs each bot in a child process of its own against it, and prints one table. Updates
reach the bots through real long polling (getUpdates); latency is measured inside the fake
server, from the moment an update becomes available to the moment the bot's reply arrives.
"""
