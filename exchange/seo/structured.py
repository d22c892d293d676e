"""schema.org objects of public pages: Product/Offer, Demand, Organization. Built only from
what the public page shows to a visitor (the approved version, never a pending one; never
its confidential description or files, nor the name behind an anonymous listing), whoever
is signed in: crawlers and shared links see what a visitor sees."""
from exchange import taxonomy
from exchange.core.urls import site_url
from exchange.listings.markdown import plain_text
from exchange.listings.models import Kind

CONTEXT = "https://schema.org"


def _iso(moment):
    return moment.isoformat() if moment is not None else None


def _drop_empty(data: dict) -> dict:
    return {key: value for key, value in data.items() if value not in (None, "", [], {})}


def _public_images(revision) -> list:
    return [f for f in revision.public_files if f.kind == "image"]


def first_image_url(revision) -> str | None:
    images = _public_images(revision)
    if not images:
        return None
    return site_url("listings.file", listing_id=revision.listing_id, file_id=images[0].id)


def _business_ref(business) -> dict:
    return _drop_empty({"@type": "Organization", "name": business.name,
                        "url": site_url("businesses.profile", business_id=business.id)})


def listing_data(listing, revision) -> dict:
    """Product with an Offer for an offer; Demand for a request."""
    url = site_url("listings.show", listing_id=listing.id)
    description = (revision.summary if revision.description_confidential
                   else plain_text(revision.description) or revision.summary)
    category = taxonomy.label(taxonomy.CATEGORIES, revision.category)
    images = [site_url("listings.file", listing_id=listing.id, file_id=f.id)
              for f in _public_images(revision)]
    region = {"@type": "AdministrativeArea",
              "name": taxonomy.label(taxonomy.PROVINCES, revision.province)}
    if listing.kind == Kind.OFFER:
        offer = _drop_empty({
            "@type": "Offer", "url": url, "priceCurrency": "VND",
            "price": revision.price_vnd if not revision.price_negotiable else None,
            "availability": "https://schema.org/InStock",
            "validThrough": _iso(revision.expires_at),
            "seller": None if revision.is_anonymous else _business_ref(listing.business),
            "areaServed": region,
        })
        return _drop_empty({
            "@context": CONTEXT, "@type": "Product", "name": revision.title,
            "description": description, "url": url, "image": images, "category": category,
            "keywords": ", ".join(revision.keywords or []), "offers": offer,
        })
    price = _drop_empty({"@type": "PriceSpecification", "priceCurrency": "VND",
                         "minPrice": revision.budget_min_vnd,
                         "maxPrice": revision.budget_max_vnd})
    return _drop_empty({
        "@context": CONTEXT, "@type": "Demand", "name": revision.title,
        "description": description, "url": url,
        "itemOffered": _drop_empty({"@type": "Product", "name": revision.title,
                                    "category": category, "image": images}),
        "priceSpecification": price if len(price) > 2 else None,
        "availabilityEnds": _iso(revision.expires_at), "areaServed": region,
        "eligibleQuantity": ({"@type": "QuantitativeValue", "value": revision.quantity}
                             if revision.quantity else None),
    })


def organization_data(business) -> dict:
    website = business.website if business.website.startswith(("http://", "https://")) else None
    return _drop_empty({
        "@context": CONTEXT, "@type": "Organization", "name": business.name,
        "url": site_url("businesses.profile", business_id=business.id),
        "address": {"@type": "PostalAddress", "addressCountry": "VN",
                    "addressRegion": taxonomy.label(taxonomy.PROVINCES, business.province)},
        "sameAs": [website] if website else None,
    })


def expert_data(expert, service_labels) -> dict:
    return _drop_empty({
        "@context": CONTEXT, "@type": "Organization", "name": expert.name,
        "url": site_url("directories.expert", expert_id=expert.id),
        "description": plain_text(expert.description),
        "knowsAbout": list(service_labels),
        "address": {"@type": "PostalAddress", "addressCountry": "VN",
                    "addressRegion": taxonomy.label(taxonomy.PROVINCES, expert.province)},
        "parentOrganization": _business_ref(expert.business),
    })
