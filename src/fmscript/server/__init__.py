"""fmscript's AI Model Server (``fmscript serve``): an OpenAI-compatible API over the local job
store and the mlx engine, as FileMaker Server's AI Model Server offers at ``/llm/v1/``.

Modules: ``app`` (:func:`~fmscript.server.app.create_app`), ``config`` (limits), ``errors``
(OpenAI-shaped errors), ``auth`` (Bearer API keys), ``limits`` (request size), ``queue`` (the
training worker), ``jobs`` (job creation and the job object), ``routes.*`` (the endpoints).
FastAPI and uvicorn are imported only here (the ``server`` extra).
"""
