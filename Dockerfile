# planwise in a container: the static release binary (scripts/build-release.sh) on an empty
# image, with the CA certificates TLS connections to a database need.
#
#   docker build -t planwise .
#   docker run --rm -v "$PWD:/work" planwise check db/migrate --schema db/catalog.json
#
# The image holds nothing but the binary and the certificates, and runs as an unprivileged
# user: mount the files to read at /work (its working directory).

FROM rust:1.95-slim-bookworm AS build
# Debian's current musl-tools: a pinned version would stop building when the archive moves on.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends musl-tools binutils ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && rustup target add x86_64-unknown-linux-musl
WORKDIR /src
COPY . .
RUN scripts/build-release.sh x86_64-unknown-linux-musl

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /src/target/x86_64-unknown-linux-musl/release/planwise /usr/local/bin/planwise
USER 65534:65534
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/planwise"]
