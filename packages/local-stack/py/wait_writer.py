# A steady WAIT-1 writer through redis-py's Sentinel client, the twin of wait-writer.ts (ioredis):
# py-wait-writer.ts starts it and reads its lines. One line per write on stdout:
#   a <key> <ms since the epoch>   acknowledged: WAIT 1 says a replica has it
#   f                              not acknowledged (an error, or WAIT answered 0)
# Usage: python3 wait_writer.py <set> <host:port>[,<host:port>...]; REDIS_PASSWORD for Redis and
# Sentinel. Ends at SIGTERM, after the write in flight.
import os
import signal
import sys
import time

from redis.sentinel import Sentinel

name = sys.argv[1]
sentinels = [(host, int(port)) for host, port in (s.rsplit(":", 1) for s in sys.argv[2].split(","))]
password = os.environ.get("REDIS_PASSWORD") or None
retry_s = float(os.environ.get("RETRY_MS", "20")) / 1000

running = True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)

# No retries (redis-py's default): a WAIT sent again on another connection after the first one
# dropped would count the new master's replicas for a write that went to the old master.
client = Sentinel(
    sentinels, sentinel_kwargs={"password": password, "socket_timeout": 1.0}
).master_for(name, password=password, socket_timeout=2.0)

i = 0
while running:
    key = f"py:{i}"
    i += 1
    try:
        client.set(key, i)
        acked = int(client.execute_command("WAIT", 1, 1000)) >= 1
        print(f"a {key} {int(time.time() * 1000)}" if acked else "f", flush=True)
    except Exception:
        print("f", flush=True)
        time.sleep(retry_s)
    time.sleep(0.002)
