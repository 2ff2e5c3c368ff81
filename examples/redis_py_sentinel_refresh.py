# A long-running redis-py client through Sentinel that keeps its sentinel list current, and reads
# from replicas. Writes (INCR) go to the master, reads to a replica, every 200 ms.
# redis-py never learns new sentinels by itself: when Marathon replaces them, only the watcher
# knows the new ones, so the list is asked again every SENTINEL_REFRESH_MS (default 30000).
# Usage: WATCHER_URL=http://watcher.example:8080 REDIS_PASSWORD=... python3 examples/redis_py_sentinel_refresh.py
# Stops on SIGTERM/SIGINT, printing a summary. (TLS: as in redis_py_client.py.) Debian: python3-redis.
import datetime
import json
import os
import signal
import time
import urllib.request

import redis
from redis.sentinel import Sentinel

watcher = os.environ.get("WATCHER_URL", "http://127.0.0.1:8080")
name = os.environ.get("MASTER_NAME", "mymaster")
password = os.environ.get("REDIS_PASSWORD") or None
username = os.environ.get("REDIS_USERNAME") or None  # the deployment's app user (none: the default user)
refresh_s = int(os.environ.get("SENTINEL_REFRESH_MS", "30000")) / 1000


def say(line):
    print(f"{datetime.datetime.now(datetime.timezone.utc).isoformat()} {line}", flush=True)


def sentinels_from_watcher():
    with urllib.request.urlopen(watcher + "/sentinels", timeout=2) as response:
        return sorted((s["host"], s["port"]) for s in json.load(response))


def show(sentinels):
    return ",".join(f"{h}:{p}" for h, p in sentinels)


sentinels = sentinels_from_watcher()
sentinel = Sentinel(
    sentinels,
    sentinel_kwargs={
        "username": os.environ.get("SENTINEL_USERNAME") or None,  # the discovery user
        "password": os.environ.get("SENTINEL_PASSWORD") or password,
        "socket_timeout": 1.0,
    },
)
master = sentinel.master_for(name, socket_timeout=1.0, username=username, password=password)
replica = sentinel.slave_for(name, socket_timeout=1.0, username=username, password=password)  # the master if no replica
say(f"sentinels: {show(sentinels)}")


def use_sentinels(new):
    # master_for/slave_for ask sentinel.sentinels on every new connection: replacing the list is enough.
    sentinel.sentinels = [redis.Redis(host, port, **sentinel.sentinel_kwargs) for host, port in new]


stopping = False


def stop(*_):
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
summary = {"writes": 0, "failedWrites": 0, "replicaReads": 0}
next_refresh = time.monotonic() + refresh_s
while not stopping:
    if time.monotonic() >= next_refresh:
        next_refresh = time.monotonic() + refresh_s
        try:
            now = sentinels_from_watcher()
            if now and now != sentinels:
                sentinels = now
                use_sentinels(now)
                say(f"sentinels refreshed: {show(now)}")
        except Exception as err:  # the list in use stays
            say(f"sentinel refresh failed: {err}")
    try:
        n = master.incr("example:counter")
        summary["writes"] += 1
        say(f"write ok {n}")
        seen = replica.get("example:counter")
        summary["replicaReads"] += 1
        if summary["replicaReads"] % 10 == 1:
            say(f"read from replica: {seen.decode() if seen else None}")
    except Exception as err:
        summary["failedWrites"] += 1
        say(f"write failed: {err}")
    time.sleep(0.2)
say(f"summary {json.dumps(summary)}")
