/// The OpenAPI 3.1 description of `/api/v1`, served at `/api/v1/openapi.json`. A route test
/// checks that every route the API registers is described here and nothing else.
enum OpenAPIDocument {
    static let json = #"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "Closebell dashboard API",
        "version": "1",
        "description": "Runs, their progress, launch / cancel / retry, queues, accuracy and export. Authenticate with Authorization: Bearer TOKEN when a token is configured; browsers use the session cookie and send X-CSRF-Token on every POST."
      },
      "servers": [{"url": "/api/v1"}],
      "security": [{"bearer": []}],
      "paths": {
        "/runs": {
          "get": {
            "summary": "Run history, newest first",
            "parameters": [
              {"name": "status", "in": "query", "schema": {"$ref": "#/components/schemas/Status"}},
              {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
              {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
              {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}}
            ],
            "responses": {"200": {"description": "One page", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunPage"}}}},
                          "400": {"$ref": "#/components/responses/Error"}}
          },
          "post": {
            "summary": "Launch a daily run or a backfill (admin)",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LaunchRequest"}}}},
            "responses": {"201": {"description": "Planned", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}}},
                          "400": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"},
                          "409": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}
          }
        },
        "/runs/active": {
          "get": {
            "summary": "Queued and running runs, and those finished in the last 10 minutes, with chunks by state",
            "responses": {"200": {"description": "Active runs", "content": {"application/json": {"schema": {
              "type": "object", "properties": {"runs": {"type": "array", "items": {"$ref": "#/components/schemas/Run"}},
                                               "recent": {"type": "array", "items": {"$ref": "#/components/schemas/Run"}}}}}}}}
          }
        },
        "/runs/{id}": {
          "get": {
            "summary": "A run with its request, chunks, failed and skipped symbols",
            "parameters": [{"$ref": "#/components/parameters/RunId"}],
            "responses": {"200": {"description": "The run", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunDetail"}}}},
                          "404": {"$ref": "#/components/responses/Error"}}
          }
        },
        "/runs/{id}/log": {
          "get": {
            "summary": "The end of the per-run log file",
            "parameters": [{"$ref": "#/components/parameters/RunId"}],
            "responses": {"200": {"description": "Log text", "content": {"text/plain": {"schema": {"type": "string"}}}},
                          "404": {"$ref": "#/components/responses/Error"}}
          }
        },
        "/runs/{id}/cancel": {
          "post": {
            "summary": "Cancel an unfinished run (admin)",
            "parameters": [{"$ref": "#/components/parameters/RunId"}],
            "responses": {"200": {"description": "Cancelled", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}}},
                          "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}
          }
        },
        "/runs/{id}/retry": {
          "post": {
            "summary": "Retry a finished run's failed and unprocessed symbols as a new run (admin)",
            "parameters": [{"$ref": "#/components/parameters/RunId"}],
            "responses": {"201": {"description": "The new run", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}}},
                          "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}
          }
        },
        "/queues": {
          "get": {
            "summary": "Ready / unacked / consumers per queue (dead-letter queue included) and recent workers",
            "responses": {"200": {"description": "Queues and workers", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Queues"}}}}}
          }
        },
        "/accuracy": {
          "get": {
            "summary": "Each model's rolling 20-day hit rate and MAE over time, and recent degradation alerts",
            "parameters": [{"name": "days", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10000}}],
            "responses": {"200": {"description": "Accuracy", "content": {"application/json": {"schema": {"type": "object"}}}},
                          "400": {"$ref": "#/components/responses/Error"}}
          }
        },
        "/export": {
          "get": {
            "summary": "Download predictions for a range",
            "parameters": [
              {"name": "from", "in": "query", "required": true, "schema": {"type": "string", "format": "date"}},
              {"name": "to", "in": "query", "required": true, "schema": {"type": "string", "format": "date"}},
              {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["csv", "parquet"]}},
              {"name": "symbols", "in": "query", "schema": {"type": "string", "description": "comma-separated"}},
              {"name": "market", "in": "query", "schema": {"type": "string"}}
            ],
            "responses": {"200": {"description": "The file", "content": {"text/csv": {}, "application/vnd.apache.parquet": {}}},
                          "400": {"$ref": "#/components/responses/Error"}}
          }
        }
      },
      "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "parameters": {"RunId": {"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}}},
        "responses": {"Error": {"description": "A refused request", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
        "schemas": {
          "Status": {"type": "string", "enum": ["queued", "running", "completed", "completed_with_failures", "failed", "cancelled"]},
          "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}}}}},
          "LaunchRequest": {
            "type": "object", "additionalProperties": false,
            "description": "Either date, or from and to (a backfill of at most 25 years).",
            "properties": {
              "date": {"type": "string", "format": "date"}, "from": {"type": "string", "format": "date"},
              "to": {"type": "string", "format": "date"}, "models": {"type": "string"},
              "symbols": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]},
              "only_unpredicted": {"type": "boolean"}, "chunk_size": {"type": "integer", "minimum": 0, "maximum": 100000},
              "priority": {"type": "string", "enum": ["normal", "high"]}, "market": {"type": "string"}
            }
          },
          "Run": {
            "type": "object", "required": ["id", "status", "progress", "total", "processed", "succeeded", "failed", "skipped"],
            "properties": {
              "id": {"type": "integer"}, "kind": {"type": "string", "enum": ["daily", "backfill"]}, "market": {"type": "string"},
              "as_of_date": {"type": "string", "format": "date"}, "first_date": {"type": "string", "format": "date"},
              "status": {"$ref": "#/components/schemas/Status"}, "progress": {"type": "number"},
              "total": {"type": "integer"}, "processed": {"type": "integer"}, "succeeded": {"type": "integer"},
              "failed": {"type": "integer"}, "skipped": {"type": "integer"}, "retried": {"type": "integer"},
              "started_at": {"type": "string"}, "finished_at": {"type": "string"}, "duration_seconds": {"type": "number"},
              "symbols_per_second": {"type": "number"}, "eta_seconds": {"type": "number"}, "success_rate": {"type": "number"},
              "message": {"type": "string"}, "error": {"type": "string"}, "parent_run_id": {"type": "integer"},
              "priority": {"type": "string"}, "chunk_size": {"type": "integer"}, "models": {"type": "string"},
              "chunks": {"type": "object", "additionalProperties": {"type": "integer"}}
            }
          },
          "RunPage": {"type": "object", "properties": {"runs": {"type": "array", "items": {"$ref": "#/components/schemas/Run"}},
            "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}},
          "RunDetail": {"type": "object", "properties": {"run": {"$ref": "#/components/schemas/Run"}, "request": {"type": "object"},
            "chunks": {"type": "array", "items": {"type": "object"}}, "failures": {"type": "array", "items": {"type": "object"}},
            "skips": {"type": "array", "items": {"type": "object"}}, "retries": {"type": "array", "items": {"type": "integer"}},
            "has_log": {"type": "boolean"}}},
          "Queues": {"type": "object", "properties": {
            "queues": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "ready": {"type": "integer"},
              "unacked": {"type": "integer"}, "consumers": {"type": "integer"}, "dead_letter": {"type": "boolean"}}}},
            "broker_error": {"type": "string"}, "workers": {"type": "array", "items": {"type": "object"}},
            "window_minutes": {"type": "integer"}}}
        }
      }
    }
    """#
}
