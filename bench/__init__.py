"""`make bench`: end-to-end Telegram throughput and latency, measured, never assumed.

`python -m bench` starts the benchmark's fake Bot API server (bench/fake_api.py) in its own
process, then runs each bot in a child process of its own against it (bench/bots.py), in
rounds, and prints one table. Updates reach the bots through real long polling (getUpdates);
latency is measured inside the fake server, from the moment an update becomes available to the
moment the bot's reply arrives.
"""
