# One image, four binaries: workers (any role), webhook, starter, simulators.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/ ./workers ./starter ./webhook ./simulators ./codec-server

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /out/ /app/
COPY mapping.yaml /app/mapping.yaml
ENV BRIDGE_MAPPING_FILE=/app/mapping.yaml
ENTRYPOINT ["/app/workers"]
