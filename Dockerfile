# One image for the orchestrator and the edge; compose picks the command.

# Stubs are generated at build time, as `make stubs` does, never committed.
FROM python:3.11-slim AS stubs
WORKDIR /src
COPY requirements.txt requirements-dev.txt ./
RUN pip install --no-cache-dir $(grep -hE '^(grpcio-tools|grpcio|protobuf|setuptools)==' requirements.txt requirements-dev.txt)
COPY protos/ protos/
RUN mkdir -p protos/gen && python -m grpc_tools.protoc -I protos \
        --python_out=protos/gen --grpc_python_out=protos/gen protos/ai_studio/v1/*.proto

FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY --from=stubs /src/protos/gen protos/gen
COPY common/ common/
COPY orchestrator/ orchestrator/
COPY edge/ edge/
COPY microservices/ microservices/
ENV PYTHONPATH=/app:/app/protos/gen \
    PYTHONUNBUFFERED=1 \
    DATA_DIR=/data
RUN useradd --system --uid 10001 app && mkdir -p /data /media && chown app /data /media
USER app
CMD ["python", "-m", "edge"]
