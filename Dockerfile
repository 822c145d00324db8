# syntax=docker/dockerfile:1
# Claro's image: one static binary on an empty base. fly.toml's [build] uses
# this file; docs/deploy.md says how to build it and roll back.
#
# .ci/image-proof builds the binary with the `CGO_ENABLED=0 go build` line
# below, character for character, and runs it in a root holding only
# what the runtime stage holds. Change that line and the proof follows it.

# htmx from its pinned npm package (package-lock.json), as `make assets` does.
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# The binary: static (no cgo, no libc), paths trimmed, no VCS stamp (the
# build context has no .git), symbols stripped.
FROM golang:1.26-bookworm AS build
WORKDIR /src
ENV GOTOOLCHAIN=local
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=assets /src/node_modules/htmx.org/dist/htmx.min.js static/htmx.min.js
RUN --mount=type=cache,target=/root/.cache/go-build \
    mkdir -p /out && \
    CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags='-s -w' -o /out/claro .

# What the runtime needs besides the binary: the CA bundle (Stripe, S3, ACME,
# SMTP over TLS), the time zones, a non-root user, and a /tmp.
FROM debian:bookworm-slim AS rootfs
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata && \
    rm -rf /var/lib/apt/lists/*
RUN mkdir -p /rootfs/etc/ssl/certs /rootfs/usr/share /rootfs/usr/local/bin /rootfs/tmp && \
    cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ && \
    cp -a /usr/share/zoneinfo /rootfs/usr/share/ && \
    echo 'claro:x:65532:65532:claro:/tmp:/nonexistent' > /rootfs/etc/passwd && \
    echo 'claro:x:65532:' > /rootfs/etc/group && \
    chmod 1777 /rootfs/tmp
COPY --from=build /out/claro /rootfs/usr/local/bin/claro

# The runtime: nothing but the files above. No shell, no package manager.
# No ENTRYPOINT, so fly.toml's release_command ("claro migrate up") and any
# `fly machine run … claro <command>` name the command themselves.
FROM scratch
COPY --from=rootfs /rootfs /
ENV PATH=/usr/local/bin
USER 65532:65532
WORKDIR /tmp
# 9091 (METRICS_ADDR) is left out on purpose: it is for the private network only.
EXPOSE 8443 8080 9090
CMD ["claro", "serve"]
