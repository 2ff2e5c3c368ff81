# Connects through the sentinels the watcher lists, writes and reads a key.
# Usage: WATCHER_URL=http://watcher.example:8080 REDIS_PASSWORD=... python3 examples/redis_py_client.py
# With the deployment's ACL users (docs/clients.md): REDIS_USERNAME=app REDIS_PASSWORD=<APP_PASSWORD>
# SENTINEL_USERNAME=discovery SENTINEL_PASSWORD=<DISCOVERY_PASSWORD>.
# With TLS, also REDIS_TLS_CA_FILE, and REDIS_TLS_CERT_FILE + REDIS_TLS_KEY_FILE when the servers
# ask clients for a certificate (REDIS_TLS_AUTH_CLIENTS=yes, the default).
# (Debian: apt-get install python3-redis)
import json
import os
import urllib.request

from redis.sentinel import Sentinel

watcher = os.environ.get("WATCHER_URL", "http://127.0.0.1:8080")
with urllib.request.urlopen(watcher + "/sentinels", timeout=5) as response:
    sentinels = [(s["host"], s["port"]) for s in json.load(response)]

password = os.environ.get("REDIS_PASSWORD") or None
tls = {}
if os.environ.get("REDIS_TLS_CA_FILE"):
    # The chain is checked against the CA; host names are not (servers are dialled by IP).
    tls = {
        "ssl": True,
        "ssl_ca_certs": os.environ["REDIS_TLS_CA_FILE"],
        "ssl_certfile": os.environ.get("REDIS_TLS_CERT_FILE"),
        "ssl_keyfile": os.environ.get("REDIS_TLS_KEY_FILE"),
    }

sentinel = Sentinel(
    sentinels,
    # How to reach the sentinels themselves: Sentinel's own password, and TLS.
    sentinel_kwargs={
        "username": os.environ.get("SENTINEL_USERNAME") or None,
        "password": os.environ.get("SENTINEL_PASSWORD") or password,
        "socket_timeout": 1.0,
        **tls,
    },
)
master = sentinel.master_for(
    os.environ.get("MASTER_NAME", "mymaster"),
    socket_timeout=1.0,
    username=os.environ.get("REDIS_USERNAME") or None,
    password=password,
    **tls,
)
master.set("greeting", "hello from redis-py")
print(master.get("greeting").decode())
