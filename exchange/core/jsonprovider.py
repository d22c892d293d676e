"""JSON responses encoded with orjson: the API's search answers are mostly encoding."""
import datetime
import decimal

import orjson
from flask.json.provider import DefaultJSONProvider
from werkzeug.http import http_date


def _default(value):
    if isinstance(value, datetime.date):
        return http_date(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class OrjsonProvider(DefaultJSONProvider):
    """The same output as Flask's own provider (keys sorted, dates as HTTP dates), faster."""

    def dumps(self, obj, **kwargs) -> str:
        return orjson.dumps(obj, default=_default,
                            option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
                            | orjson.OPT_PASSTHROUGH_DATETIME).decode()

    def loads(self, s, **kwargs):
        return orjson.loads(s)
