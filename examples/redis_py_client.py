# Connects through the sentinels the watcher lists, writes and reads a key.
# Usage: WATCHER_URL=http://watcher.example:8080 python3 examples/redis_py_client.py
# (Debian: apt-get install python3-redis)
import json
import os
import urllib.request

from redis.sentinel import Sentinel

watcher = os.environ.get("WATCHER_URL", "http://127.0.0.1:8080")
with urllib.request.urlopen(watcher + "/sentinels", timeout=5) as response:
    sentinels = [(s["host"], s["port"]) for s in json.load(response)]

sentinel = Sentinel(sentinels, socket_timeout=1.0)
master = sentinel.master_for(
    os.environ.get("MASTER_NAME", "mymaster"),
    socket_timeout=1.0,
    password=os.environ.get("REDIS_PASSWORD") or None,
)
master.set("greeting", "hello from redis-py")
print(master.get("greeting").decode())
