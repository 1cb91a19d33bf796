# syntax=docker/dockerfile:1
# Image of the regional-failover operator: `docker build -t IMAGE .` at the repository root.
# Two stages: the Rust toolchain builds a release binary; the runtime image holds only
# that binary, CA certificates (TLS to AWS and the API server) and glibc.

ARG RUST_VERSION=1.94
ARG DEBIAN_RELEASE=bookworm

FROM rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS build
WORKDIR /src
COPY . .
# Cache mounts keep the crate registry and target dir between builds; the binary is
# copied out because the target cache mount is not part of the image.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin regional-failover \
 && install -D -m 0755 target/release/regional-failover /out/regional-failover

# Same Debian release as the build stage, so the binary finds the glibc it was linked against.
FROM debian:${DEBIAN_RELEASE}-slim AS runtime
# checkov:skip=CKV_DOCKER_2: Kubernetes ignores HEALTHCHECK; the chart probes /healthz and /readyz.
# ca-certificates is left unpinned on purpose: it must follow the release's security updates.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/regional-failover /usr/local/bin/regional-failover
# Numeric uid/gid (65532, as in distroless "nonroot"): Kubernetes' runAsNonRoot can only
# verify a numeric user. The chart's securityContext uses the same ids.
# One glibc heap arena instead of up to 8 per core: a smaller resident set (see tests/bench/run).
ENV MALLOC_ARENA_MAX=1
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/regional-failover"]
CMD ["run"]
