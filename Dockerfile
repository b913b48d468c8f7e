# The conformance suite and its reference mock in one image.
#
#   docker build -t pinecone-conformance .
#   docker run --rm -p 8080:8080 pinecone-conformance                      # the mock, on :8080
#   docker run --rm -p 8080:8080 -e PINECONE_API_KEY=my-key pinecone-conformance   # ...with that key
#   docker run --rm -v "$PWD/out:/work/out" pinecone-conformance run -o out   # the suite vs the embedded mock
#   docker run --rm -e PINECONE_API_KEY -v "$PWD/out:/work/out" pinecone-conformance \
#       run --base-url https://api.pinecone.io -o out                      # ...vs a real server
#
# The default command serves the mock on 0.0.0.0:8080 inside the container (it listens on
# 127.0.0.1 unless --host says otherwise). Runs as an unprivileged user; /work is the
# working directory (mount it to keep reports; a pinecone-conformance.toml there is read).

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY pinecone_conformance pinecone_conformance
COPY core core
COPY spec spec
COPY strategies strategies
COPY conformance conformance
COPY reports reports
COPY mockserver mockserver
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels \
    && useradd --create-home --uid 10001 pcc && mkdir -p /work && chown pcc /work
USER pcc
WORKDIR /work
EXPOSE 8080
ENTRYPOINT ["pinecone-conformance"]
CMD ["mock", "--host", "0.0.0.0", "--port", "8080"]
