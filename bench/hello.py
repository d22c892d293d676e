"""The ceiling for the load bench: a bare Flask app with one endpoint, nothing else.

    .venv/bin/gunicorn -c gunicorn.conf.py bench.hello:app
"""
from flask import Flask

app = Flask(__name__)


@app.route("/hello")
def hello():
    return "hello"
