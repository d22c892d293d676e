"""/robots.txt, /sitemap.xml (an index) and its chunked sitemaps."""
from flask import Blueprint, Response, abort, stream_with_context

from exchange.core.jsonld import json_ld
from exchange.core.urls import site_url
from exchange.seo import sitemap, structured
from exchange.seo.links import page_links
from exchange.seo.sections import register_core_sections

bp = Blueprint("seo", __name__)
XML = "application/xml"

# areas behind sign-in or staff roles, and forms: nothing there for a crawler
PRIVATE_PREFIXES = ("/account", "/auth/", "/moderation/", "/admin/", "/payments/",
                    "/proposals/", "/deals/", "/listings/new", "/listings/*/edit",
                    "/listings/*/proposals", "/experts/new", "/experts/review",
                    "/experts/*/edit")


@bp.record_once
def _sections(_state):
    register_core_sections()


@bp.app_context_processor
def seo_helpers():
    return {"seo_links": page_links, "json_ld": json_ld, "structured": structured}


@bp.route("/robots.txt")
def robots():
    lines = ["User-agent: *"] + [f"Disallow: {prefix}" for prefix in PRIVATE_PREFIXES]
    lines += ["", f"Sitemap: {site_url('seo.sitemap_index')}", ""]
    return Response("\n".join(lines), mimetype="text/plain")


@bp.route("/sitemap.xml")
def sitemap_index():
    size = sitemap.chunk_size()
    locations = [site_url("seo.sitemap_chunk", section=name, chunk=chunk)
                 for name, section in sitemap.SECTIONS.items()
                 for chunk in section.chunks(size)]
    return Response("".join(sitemap.write_index(locations)), mimetype=XML)


@bp.route("/sitemaps/<section>/<int:chunk>.xml")
def sitemap_chunk(section, chunk):
    found = sitemap.SECTIONS.get(section)
    size = sitemap.chunk_size()
    if found is None or chunk > 2**31 // size:
        abort(404)
    entries = found.entries(chunk, size)
    return Response(stream_with_context(sitemap.write_urlset(entries)), mimetype=XML)
