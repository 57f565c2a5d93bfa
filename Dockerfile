# devspm in a container: the binary and git, run as an unprivileged user.
#
#   docker build --build-arg DEVSPM_BUILD_COMMIT=$(git rev-parse --short=12 HEAD) -t devspm .
#   docker run --rm -v "$PWD:/repo:ro" -v devspm-data:/data devspm scan /repo
#
# The ledger lives in /data (a volume: it is the record, keep it); the repository can be
# mounted read-only. `crates/devspm/tests/container.rs` builds the first stage when a container
# runtime is available and checks this file otherwise.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
# The build has no .git: the commit comes from the build argument (`devspm --version`).
ARG DEVSPM_BUILD_COMMIT=unknown
ENV DEVSPM_BUILD_COMMIT=${DEVSPM_BUILD_COMMIT}
RUN cargo build --locked --profile dist -p devspm \
 && cp target/dist/devspm /usr/local/bin/devspm \
 && /usr/local/bin/devspm --version

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --create-home devspm \
 # Mounted repositories belong to another user: git must still read them.
 && git config --system --add safe.directory '*'
COPY --from=build /usr/local/bin/devspm /usr/local/bin/devspm
USER 10001:10001
WORKDIR /data
ENV DEVSPM_DB=/data/devspm.db
VOLUME ["/data"]
ENTRYPOINT ["devspm"]
CMD ["--help"]
