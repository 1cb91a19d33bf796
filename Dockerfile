# syntax=docker/dockerfile:1
# Image of the regional-failover operator, at the repository root:
#   docker build --build-arg REVISION="$(git rev-parse HEAD)" -t IMAGE .
#   buildah bud --layers --build-arg REVISION="$(git rev-parse HEAD)" -t IMAGE .
# Three stages: the Rust toolchain builds a release binary; a Debian stage assembles the runtime
# root with tests/image/rootfs (the binary, exactly the shared libraries it links, Debian's CA
# bundle, the nonroot user 65532); the image is that root on scratch: no shell, no package manager.
# tests/image/build makes the same image without pulling anything (buildah from scratch, the same
# rootfs script on this machine's Debian packages); tests/image/test compares its configuration
# with what this file declares (base, USER, ENTRYPOINT, CMD, ENV, EXPOSE, LABEL).

ARG RUST_VERSION=1.94
ARG DEBIAN_RELEASE=bookworm

FROM rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS build
# jemalloc, the operator's allocator, is built from its C sources with make, which the slim image lacks.
# make is left unpinned: a build tool of this stage only, nothing of it reaches the image.
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends make && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Cache mounts keep the crate registry and target dir between builds; the binary is
# copied out because the target cache mount is not part of the image. `install -s` strips the
# symbol table (45 -> 32 MB; panics keep their messages and source locations), as tests/image/build does.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin regional-failover \
 && install -D -s -m 0755 target/release/regional-failover /out/regional-failover

# Same Debian release as the build stage: the libraries copied next to the binary are the ones
# it was linked against.
FROM debian:${DEBIAN_RELEASE}-slim AS rootfs
# ca-certificates is left unpinned on purpose: it must follow the release's security updates.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/regional-failover /out/regional-failover
COPY tests/image/rootfs /usr/local/bin/rootfs
RUN rootfs /out/regional-failover /rootfs

FROM scratch AS runtime
# checkov:skip=CKV_DOCKER_2: Kubernetes ignores HEALTHCHECK; the chart probes /healthz and /readyz.
COPY --from=rootfs /rootfs/ /
# VERSION is the crate's version (tests/image/test keeps them equal); pass REVISION (the commit)
# and SOURCE (where the code lives) when building.
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=unknown
LABEL org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
# One glibc heap arena instead of up to 8 per core: a smaller resident set (see tests/bench/run).
ENV MALLOC_ARENA_MAX=1
# Numeric uid/gid (65532, as in distroless "nonroot", with its /etc/passwd entry from the
# rootfs stage): Kubernetes' runAsNonRoot can only verify a numeric user. The chart's
# securityContext uses the same ids.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/regional-failover"]
CMD ["run"]
