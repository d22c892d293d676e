"""Being found from outside: sitemaps, robots.txt, canonical and language links, OpenGraph
and schema.org data."""
