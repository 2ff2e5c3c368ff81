# One image for every redis-zk program; Marathon picks the program with the app's `cmd`
# (node packages/<program>/dist/main.js, relative to WORKDIR /app). See marathon/.

# --- build: install everything, compile TypeScript, bundle each program -------------------------
FROM node:26.10.0-bookworm-slim AS builder
WORKDIR /app
COPY . .
RUN npm ci && npm run build
# Each program is one bundle with its V8 code cache (scripts/bundle.mjs): no node_modules needed;
# the watcher and redis-wrapper also have their HTTP thread's bundle (dist/*-thread.js).
RUN for p in redis-wrapper sentinel-wrapper watcher cli; do \
      mkdir -p /out/packages/$p/dist \
      && cp packages/$p/dist/main.js packages/$p/dist/program.js packages/$p/dist/program.cache /out/packages/$p/dist/ \
      && find packages/$p/dist -maxdepth 1 -name '*-thread.js' -exec cp {} /out/packages/$p/dist/ \; ; \
    done \
 && cp -r conf /out/conf

# --- runtime (the same Node as the build: the code cache is only used by the Node that made it) --
FROM node:26.10.0-bookworm-slim
# The engine: `redis` (Debian's Redis 7.0, the default) or `valkey` (Debian's Valkey 8.0, from
# bookworm-backports): `docker build --build-arg ENGINE=valkey .`. The programs run it through
# REDIS_SERVER_BIN / REDIS_SENTINEL_BIN; the health checks' `redis-cli` is valkey-cli there.
ARG ENGINE=redis
RUN case "$ENGINE" in \
      redis) apt-get update \
        && apt-get install -y --no-install-recommends redis-server redis-sentinel ;; \
      valkey) printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm-backports' 'Components: main' \
          'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' > /etc/apt/sources.list.d/debian-backports.sources \
        && apt-get update \
        && apt-get install -y --no-install-recommends -t bookworm-backports valkey-server valkey-sentinel \
        && ln -s /usr/bin/valkey-cli /usr/local/bin/redis-cli ;; \
      *) echo "ENGINE must be redis or valkey, not '$ENGINE'" >&2; exit 1 ;; \
    esac \
 && rm -rf /var/lib/apt/lists/*
ENV REDIS_SERVER_BIN=${ENGINE}-server REDIS_SENTINEL_BIN=${ENGINE}-sentinel
# Mesos runs a Docker task's `cmd` as `/bin/sh -c "<cmd>"`, as PID 1. dash stays PID 1 and, as
# PID 1, ignores SIGTERM: `docker stop` would never reach node, and every kill would wait out
# taskKillGracePeriodSeconds and end in SIGKILL. bash execs a lone command, so node is PID 1 and
# gets the SIGTERM (the wrappers handle it).
RUN ln -sf bash /bin/sh
# Nothing runs as root: the wrappers, the watcher, the CLI and the servers the wrappers spawn
# (redis-server, redis-sentinel, or Valkey's) all run as `redis-zk`, uid and gid 10001 (fixed: the agents'
# host paths, the data volume and /etc/redis-zk, are chowned to it; docs/marathon.md). It owns
# the data directories and nothing else: the code in /app stays root's, read-only to it.
# DATA_DIR defaults to $MESOS_SANDBOX/data under Mesos (the volume is mounted there) and to
# ./data (/app/data) elsewhere; /data is there for a `-v` of your own (DATA_DIR=/data).
RUN groupadd --system --gid 10001 redis-zk \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home --shell /usr/sbin/nologin redis-zk \
 && install -d -m 0755 /app \
 && install -d -m 0700 -o redis-zk -g redis-zk /data /app/data /mnt/mesos/sandbox/data
ENV NODE_ENV=production
WORKDIR /app
COPY --from=builder /out/ ./
# The operator's command, `redis-zk status|switchover|history` (docs/operate.md), on the PATH.
RUN ln -s /app/packages/cli/dist/main.js /usr/local/bin/redis-zk
USER 10001:10001
# Marathon always gives `cmd`; this default only says what the image runs.
CMD ["node", "-e", "console.log('redis-zk: run node packages/<redis-wrapper|sentinel-wrapper|watcher>/dist/main.js, or the redis-zk command')"]
