# The casebook container image: `docker run --rm -v "$PWD":/site IMAGE build` builds the casebook
# in the current folder into public/. The release workflow pushes it to ghcr.io for each tag.

# Build: a static binary, since Alpine's Rust targets musl.
FROM rust:1-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY themes ./themes
# The commit for `casebook --version`: the context has no .git (see .dockerignore).
ARG CASEBOOK_COMMIT=unknown
ENV CASEBOOK_COMMIT=$CASEBOOK_COMMIT
RUN cargo build --release --locked && cp target/release/casebook /casebook

# Run: only the binary, with distroless's CA certificates (for `check --external`) and nothing
# else. It runs as root so that it can write public/ into any mounted folder; pass
# `--user "$(id -u):$(id -g)"` to docker run for files owned by you.
FROM gcr.io/distroless/static-debian12 AS runtime
COPY --from=build /casebook /usr/local/bin/casebook
WORKDIR /site
ENTRYPOINT ["casebook"]
CMD ["build"]
