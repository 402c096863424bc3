# One image, four binaries: workers (any role), webhook, starter, simulators.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/ ./workers ./starter ./webhook ./simulators ./codec-server

# Debian slim rather than distroless: the template flow runs pandoc (Debian's
# package) to convert DOCX templates, and PDF/A renditions run chromium and
# ghostscript with Noto fonts.
FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends pandoc ca-certificates \
    chromium ghostscript fonts-noto-core fonts-noto-cjk fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
USER 65532:65532
WORKDIR /app
COPY --from=build /out/ /app/
COPY mapping.yaml /app/mapping.yaml
ENV BRIDGE_MAPPING_FILE=/app/mapping.yaml
ENTRYPOINT ["/app/workers"]
