"""What leaves the site about news and events: Atom feeds, iCalendar files, JSON-LD."""
from feedgen.feed import FeedGenerator
from flask_babel import gettext as _
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from exchange.content.models import Article, Event
from exchange.core.urls import site_url
from exchange.listings.markdown import plain_text, render_markdown
from exchange.timeutil import utcnow

SUMMARY_CHARS = 300


def _summary(text: str) -> str:
    flat = " ".join(plain_text(text).split())
    return flat if len(flat) <= SUMMARY_CHARS else flat[:SUMMARY_CHARS - 1].rstrip() + "…"


def _feed(feed_id: str, title: str, self_url: str, alternate: str) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(title)
    feed.link(href=alternate, rel="alternate")
    feed.link(href=self_url, rel="self")
    feed.language("vi")
    feed.updated(utcnow())
    return feed


def news_feed(articles: list[Article], locale: str) -> bytes:
    feed = _feed(site_url("content.news_feed"), _("News"), site_url("content.news_feed"),
                 site_url("content.news"))
    for article in reversed(articles):  # feedgen prepends: the newest ends up first
        entry = feed.add_entry()
        url = site_url("content.article", article_id=article.id)
        entry.id(url)
        entry.title(article.localized("title", locale))
        entry.link(href=url)
        entry.published(article.publish_at)
        entry.updated(max(article.updated_at, article.publish_at))
        entry.author({"name": article.author_name or _("Editorial team")})
        entry.summary(article.localized("lead", locale) or
                      _summary(article.localized("body", locale)))
        entry.content(str(render_markdown(article.localized("body", locale))), type="html")
        entry.category(term=str(article.category))
    return feed.atom_str(pretty=False)


def events_feed(events: list[Event], locale: str) -> bytes:
    feed = _feed(site_url("content.events_feed"), _("Events"), site_url("content.events_feed"),
                 site_url("content.events"))
    for event in reversed(events):
        entry = feed.add_entry()
        url = site_url("content.event", event_id=event.id)
        entry.id(url)
        entry.title(event.localized("title", locale))
        entry.link(href=url)
        entry.published(event.publish_at)
        entry.updated(max(event.updated_at, event.publish_at))
        entry.author({"name": event.organiser or _("Editorial team")})
        entry.summary(_summary(event.localized("description", locale)))
    return feed.atom_str(pretty=False)


def event_calendar(event: Event, locale: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//TechExchange//events//VI")
    calendar.add("version", "2.0")
    item = CalendarEvent()
    item.add("uid", f"event-{event.id}@{site_url('core.home').split('/')[2]}")
    item.add("dtstamp", utcnow())
    item.add("dtstart", event.starts_at)
    item.add("dtend", event.ends_at)
    item.add("summary", event.localized("title", locale))
    item.add("description", plain_text(event.localized("description", locale)))
    location = event.place or event.online_url
    if location:
        item.add("location", location)
    item.add("url", site_url("content.event", event_id=event.id))
    if event.organiser:
        item.add("organizer", event.organiser)
    calendar.add_component(item)
    return calendar.to_ical()


def article_json_ld(article: Article, locale: str, cover_url: str | None) -> dict:
    data = {
        "@context": "https://schema.org", "@type": "NewsArticle",
        "headline": article.localized("title", locale)[:110],
        "datePublished": article.publish_at.isoformat(),
        "dateModified": max(article.updated_at, article.publish_at).isoformat(),
        "author": {"@type": "Person" if article.author_name else "Organization",
                   "name": article.author_name or _("Editorial team")},
        "inLanguage": "en" if locale == "en" and article.has_english() else "vi",
        "mainEntityOfPage": site_url("content.article", article_id=article.id),
        "articleSection": str(article.category),
    }
    lead = article.localized("lead", locale)
    if lead:
        data["description"] = lead
    if cover_url:
        data["image"] = [cover_url]
    if article.tag_list():
        data["keywords"] = ", ".join(article.tag_list())
    return data


def event_json_ld(event: Event, locale: str) -> dict:
    online = bool(event.online_url)
    physical = bool(event.place)
    mode = ("MixedEventAttendanceMode" if online and physical else
            "OnlineEventAttendanceMode" if online else "OfflineEventAttendanceMode")
    location = []
    if physical:
        location.append({"@type": "Place", "name": event.place, "address": event.place})
    if online:
        location.append({"@type": "VirtualLocation", "url": event.online_url})
    data = {
        "@context": "https://schema.org", "@type": "Event",
        "name": event.localized("title", locale),
        "startDate": event.starts_at.isoformat(), "endDate": event.ends_at.isoformat(),
        "eventStatus": "https://schema.org/EventScheduled",
        "eventAttendanceMode": f"https://schema.org/{mode}",
        "location": location[0] if len(location) == 1 else location,
        "url": site_url("content.event", event_id=event.id),
    }
    description = _summary(event.localized("description", locale))
    if description:
        data["description"] = description
    if event.organiser:
        data["organizer"] = {"@type": "Organization", "name": event.organiser}
    return data
