"""Finds a listing's counterparts in Meilisearch and scores them.

How a pair is scored:
1. Text: searches in one multi-search round trip, each restricted to published, unexpired
   listings of the opposite kind from other businesses: the listing's title, each of its
   keywords (as a phrase: all its words), and its summary, with generic words ("cần mua",
   "hệ thống", "cho", numbers) removed. Meilisearch reads only the first ten words of a
   query and, when not every word is found, drops words from the end; short separate
   queries avoid both limits. Each hit's `_rankingScore` measures only the text match
   (sort and custom ranking rules such as `featured` do not contribute), so paid featuring
   never makes a match. Text score = 0.4 title + 0.4 keyword coverage (scores of the
   keywords found, over at least three) + 0.2 summary.
2. Preference: a small bonus for the same sector (+0.06), the same category (+0.04), and the
   same province (+0.05) or a province of the same region (+0.025). It re-ranks counterparts
   whose wording is about as close, and lifts a borderline text match over the threshold
   only in the same line of business nearby; it cannot make a match from unrelated text
   (the largest bonus, 0.15, is far below the threshold).
3. Both ways: the pair is scored with each listing's searches and keeps the better score,
   so matches do not depend on which listing was published or edited last.
4. Threshold: pairs below MATCH_THRESHOLD (0.5) are not matches. On the labelled demo pairs
   (tests/matching/labelled_pairs.py) true matches score 0.53-0.96 and the best-scoring
   non-match 0.46.
"""
import re
from array import array
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import orjson

from exchange.budget import Budget, BudgetSpent
from exchange.listings.models import Listing
from exchange.search import index
from exchange.search.query import published_restriction, quote
from exchange.timeutil import utcnow

# Tuned on the labelled demo pairs (tests/matching/labelled_pairs.py): see the quality test.
MATCH_THRESHOLD = 0.5
FIELD_WEIGHTS = {"title": 0.4, "keywords": 0.4, "summary": 0.2}
MAX_KEYWORDS = 8
MIN_KEYWORDS = 3
SAME_SECTOR_BONUS = 0.06
SAME_CATEGORY_BONUS = 0.04
SAME_PROVINCE_BONUS = 0.05
SAME_REGION_BONUS = 0.025
CANDIDATES_PER_QUERY = 30
# a search shared by listings of several businesses has room for one business's own hits
SHARED_LIMIT = 2 * CANDIDATES_PER_QUERY
SEARCHES_PER_REQUEST = 200  # queries per multi-search call, so each call stays bounded
# a web request's drain checks its time between calls: smaller calls, less overrun
SEARCHES_PER_BUDGETED_REQUEST = 40
PROFILES_PER_PASS = 500  # listings whose searches are built and scored together
PROFILES_PER_BUDGETED_PASS = 20
# multi-search calls in flight at once in `tick`/`rematch` (Meilisearch answers the searches
# of one call on one core); a web request's drain sends one at a time
SEARCH_CALLS_IN_FLIGHT = 2
MAX_QUERY_WORDS = 10  # Meilisearch ignores query words after the tenth

# Words that say what kind of listing it is or join a phrase, not what it is about.
STOPWORDS = frozenset("""
cần mua bán tìm chào nhận cung cấp đơn vị đối tác doanh nghiệp công ty
cho và của các có được dùng với theo trong từ là một những để tại về trên đã hoặc
ưu tiên kết hợp quy mô tự động sản phẩm
hệ thống dây chuyền sản xuất công nghệ quy trình giải pháp thiết bị dịch vụ chuyển giao
""".split())
_WORD = re.compile(r"\w+", re.UNICODE)

# The six socio-economic regions, for "nearby" provinces (2025 units).
REGIONS = {
    "northern_midlands_mountains": (
        "cao_bang", "dien_bien", "lai_chau", "lang_son", "lao_cai", "phu_tho", "son_la",
        "thai_nguyen", "tuyen_quang"),
    "red_river_delta": ("bac_ninh", "ha_noi", "hai_phong", "hung_yen", "ninh_binh",
                        "quang_ninh"),
    "north_central_coast": ("da_nang", "ha_tinh", "hue", "khanh_hoa", "nghe_an", "quang_ngai",
                            "quang_tri", "thanh_hoa"),
    "central_highlands": ("dak_lak", "gia_lai", "lam_dong"),
    "south_east": ("dong_nai", "ho_chi_minh", "tay_ninh"),
    "mekong_delta": ("an_giang", "ca_mau", "can_tho", "dong_thap", "vinh_long"),
}
REGION_OF = {province: region for region, provinces in REGIONS.items() for province in provinces}


@dataclass(frozen=True)
class Profile:
    """What the matcher needs to know about a listing (from its approved revision)."""

    id: int
    kind: str
    business_id: int
    title: str
    summary: str
    keywords: tuple[str, ...]
    sector: str
    category: str
    province: str

    @classmethod
    def of(cls, listing: Listing) -> "Profile":
        revision = listing.approved_revision
        return cls(id=listing.id, kind=str(listing.kind), business_id=listing.business_id,
                   title=revision.title, summary=revision.summary or "",
                   keywords=tuple(revision.keywords or ()), sector=revision.sector,
                   category=revision.category, province=revision.province)

    @property
    def opposite_kind(self) -> str:
        return "request" if self.kind == "offer" else "offer"


def content_words(text: str, limit: int = MAX_QUERY_WORDS) -> str:
    """The first `limit` distinct words that say what the text is about."""
    words: list[str] = []
    for word in _WORD.findall(text.lower()):
        if word in STOPWORDS or any(ch.isdigit() for ch in word):
            continue
        if word not in words:
            words.append(word)
        if len(words) == limit:
            break
    return " ".join(words)


def field_queries(profile: Profile) -> list[tuple[str, str, str]]:
    """(field, query, matching strategy) for each search of a listing."""
    queries = [("title", content_words(profile.title), "last")]
    seen = set()
    for keyword in profile.keywords[:MAX_KEYWORDS]:
        phrase = content_words(keyword)
        if phrase and phrase not in seen:
            seen.add(phrase)
            # a keyword is a phrase: a counterpart has all of it or does not answer it
            queries.append(("keywords", phrase, "all"))
    queries.append(("summary", content_words(profile.summary), "last"))
    return [(field, q, strategy) for field, q, strategy in queries if q]


def counterpart_filter(profile: Profile, hidden_ids=(), now=None, shared=False) -> list:
    expression = [*published_restriction(now), f"kind = {quote(profile.opposite_kind)}"]
    if not shared:
        # leaves out the listing itself too: it belongs to its business
        expression.append(f"business_id != {int(profile.business_id)}")
    if hidden_ids:
        expression.append(f"id NOT IN [{', '.join(str(int(i)) for i in hidden_ids)}]")
    return expression


def searches_for(profile: Profile, index_uid: str, hidden_ids=(), now=None,
                 shared=False) -> list[dict]:
    """The multi-search queries of one listing, each tagged with the field it searches.

    A `shared` search leaves the listing's own business in (with room for its hits in the
    limit), so listings of every business asking the same words share its answer; their
    own business's hits are left out when it is scored (`Answer.candidates`)."""
    searches = []
    for name, q, strategy in field_queries(profile):
        searches.append({
            "indexUid": index_uid,
            "q": q,
            "filter": counterpart_filter(profile, hidden_ids, now, shared),
            "limit": SHARED_LIMIT if shared else CANDIDATES_PER_QUERY,
            "showRankingScore": True,
            "matchingStrategy": strategy,
            "attributesToRetrieve": ["id", "business_id", "sector", "category", "province"],
            "_field": name,
        })
    return searches


def preference_bonus(profile: Profile, place: tuple) -> float:
    """`place`: the counterpart's (business id, sector, category, province)."""
    _business, sector, category, province = place
    bonus = 0.0
    if sector == profile.sector:
        bonus += SAME_SECTOR_BONUS
    if category == profile.category:
        bonus += SAME_CATEGORY_BONUS
    if province == profile.province:
        bonus += SAME_PROVINCE_BONUS
    elif REGION_OF.get(province) and REGION_OF.get(province) == REGION_OF.get(profile.province):
        bonus += SAME_REGION_BONUS
    return bonus


def raw_scores(profile: Profile, tagged_hits: list[tuple[str, list[tuple[int, float]]]],
               places: dict[int, tuple]) -> dict[int, float]:
    """Counterpart id -> text score plus preference bonus, for every hit of the searches:
    `tagged_hits` are (field, [(id, ranking score), …]) per search, `places` each hit's
    (business id, sector, category, province)."""
    keyword_count = sum(1 for field, _hits in tagged_hits if field == "keywords")
    # answering one keyword of one is not answering a listing: coverage counts at least 3
    keyword_share = 1 / max(MIN_KEYWORDS, keyword_count)
    parts: dict[int, dict[str, float]] = {}
    for field, hits in tagged_hits:
        share = keyword_share if field == "keywords" else 1.0
        for cid, score in hits:
            part = parts.setdefault(cid, {})
            part[field] = min(1.0, part.get(field, 0.0) + score * share)
    # a score reads as a share (shown as a percentage): the bonus cannot lift it past 1
    return {
        cid: round(min(1.0, sum(FIELD_WEIGHTS[field] * value for field, value in part.items())
                       + preference_bonus(profile, places[cid])), 4)
        for cid, part in parts.items()
    }


class Answer:
    """One search's hits, compactly: ids and ranking scores in rank order; `complete` when
    it returned every hit it has (fewer than its limit)."""

    __slots__ = ("ids", "scores", "complete")

    def __init__(self, result: dict, limit: int, places: dict[int, tuple]):
        hits = result["hits"]
        self.ids = array("q", (hit["id"] for hit in hits))
        self.scores = array("d", (hit["_rankingScore"] for hit in hits))
        self.complete = len(hits) < limit
        for hit in hits:
            places[hit["id"]] = (hit.get("business_id"), hit.get("sector"),
                                 hit.get("category"), hit.get("province"))

    def candidates(self, business_id: int | None, places: dict[int, tuple]
                   ) -> list[tuple[int, float]] | None:
        """The first CANDIDATES_PER_QUERY hits of other businesses than `business_id`
        (all hits when None); None when the answer cannot tell (its own business filled
        the limit, and more hits may follow)."""
        if business_id is None:
            return list(zip(self.ids, self.scores))
        hits = [(cid, score) for cid, score in zip(self.ids, self.scores)
                if places[cid][0] != business_id][:CANDIDATES_PER_QUERY]
        if len(hits) < CANDIDATES_PER_QUERY and not self.complete:
            return None
        return hits


class SharedAnswers:
    """Search answers kept for a whole run (`tick`, `rematch`), so listings asking the same
    words, in any batch, share one search: a bulk import repeats products and keywords.
    The searches use one `now` for the run; a listing published or changed meanwhile has a
    job of its own, which scores it. At most MAX_ENTRIES answers are kept (oldest out)."""

    MAX_ENTRIES = 20_000

    def __init__(self, now=None):
        self.now = now or utcnow()
        self.answers: dict[bytes, Answer] = {}
        self.places: dict[int, tuple] = {}

    def get(self, key: bytes) -> "Answer | None":
        return self.answers.get(key)

    def put(self, key: bytes, answer: Answer) -> None:
        if len(self.answers) >= self.MAX_ENTRIES:
            del self.answers[next(iter(self.answers))]
        self.answers[key] = answer


# what a drain does after a call the budget cut off (the batch rolled back, its jobs given
# back) is kept out of the call's time, so the drain as a whole ends within its budget
CLEANUP_SECONDS = 0.1
SHORTEST_CALL = 0.05


def _call(client, searches: list[dict], budget: Budget | None) -> list[dict]:
    """One multi-search round trip. With a bounded budget the time is checked before it,
    and the call itself may not outlast what is left once the cleanup is set aside."""
    body = {"queries": searches}
    if budget is None or not budget.bounded:
        return client.post("/multi-search", body)["results"]
    budget.check()
    left = budget.remaining() - CLEANUP_SECONDS
    if left < SHORTEST_CALL:
        raise BudgetSpent  # too little time for a call and what follows it
    try:
        return client.post("/multi-search", body,
                           timeout=min(client.timeout, left))["results"]
    except index.MeiliError:
        raise  # Meilisearch answered: an error about the searches, not the clock
    except index.SearchUnavailable:
        # cut off by the budget (its timeout ran out with only the cleanup's time left):
        # BudgetSpent, and the jobs are given back, not postponed as in an outage
        if budget.remaining() <= CLEANUP_SECONDS + SHORTEST_CALL:
            raise BudgetSpent from None
        raise


def _ask(client, searches: dict[bytes, dict], limit: int, budget: Budget | None,
         parallel: int) -> dict[bytes, "dict | index.MeiliError"]:
    """Each search's result (or the MeiliError with which Meilisearch refused it), in
    multi-search calls of at most `limit` searches. A call Meilisearch refuses (an error
    about a query, not an outage) is narrowed down to the searches it refuses. Unbounded
    runs (`tick`, `rematch`) keep `parallel` calls in flight: Meilisearch answers the
    searches of one call one after another, so a second call keeps another core busy."""
    keys = list(searches)
    chunks = [keys[start:start + limit] for start in range(0, len(keys), limit)]

    def one(chunk):
        try:
            return _call(client, [searches[key] for key in chunk], budget)
        except index.MeiliError:
            # which search? each one alone (rare: a query Meilisearch rejects)
            answer = []
            for key in chunk:
                try:
                    answer.extend(_call(client, [searches[key]], budget))
                except index.MeiliError as exc:
                    answer.append(exc)
            return answer

    if parallel <= 1 or len(chunks) <= 1 or (budget is not None and budget.bounded):
        answers = [one(chunk) for chunk in chunks]
    else:
        with ThreadPoolExecutor(max_workers=parallel) as pool:
            answers = list(pool.map(one, chunks))
    results: dict[bytes, dict | index.MeiliError] = {}
    for chunk, answer in zip(chunks, answers):
        results.update(zip(chunk, answer))
    return results


def _run(profiles: list[Profile], hidden_ids=(), only: dict[int, set[int]] | None = None,
         budget: Budget | None = None, parallel: int = 1,
         shared: SharedAnswers | None = None
         ) -> tuple[dict[int, dict[int, float]], dict[int, str]]:
    """Multi-searches for the searches of every profile: (raw scores per profile, the
    profiles whose searches Meilisearch refused -> its error).

    Listings asking the same search share one: a listing's searches leave its own business
    in, so the same words asked by listings of several businesses are one search, and
    each listing's hits are those of other businesses (a listing whose business fills
    such an answer asks again with its business left out). `shared` keeps answers for a
    whole run; without it they are shared within this pass. Only the listings whose
    searches Meilisearch refuses (an error about a query, not an outage) are refused, the
    others are scored. With `only` (reverse searches) each listing's searches are
    restricted to those counterparts. With a bounded `budget` (a web request's drain) the
    calls are smaller and BudgetSpent is raised between two once the time is up.
    Raises index.SearchUnavailable when Meilisearch cannot answer."""
    client = index.search_client(background=True)
    uid = index.index_name()
    limit = SEARCHES_PER_REQUEST
    if budget is not None and budget.bounded:
        limit = SEARCHES_PER_BUDGETED_REQUEST
    keep = shared is not None and only is None  # restricted searches are not asked twice
    shared = shared or SharedAnswers()

    def plan(profile: Profile, own_business_out: bool) -> list[tuple[str, bytes, dict]]:
        planned = []
        for search in searches_for(profile, uid, hidden_ids, shared.now,
                                   shared=not own_business_out):
            field = search.pop("_field")
            if only is not None:
                ids = ", ".join(str(int(i)) for i in sorted(only[profile.id]))
                search["filter"] = [*search["filter"], f"id IN [{ids}]"]
                # the filter leaves at most these: no need to ask for more
                search["limit"] = min(CANDIDATES_PER_QUERY, len(only[profile.id]))
            planned.append((field, orjson.dumps(search, option=orjson.OPT_SORT_KEYS), search))
        return planned

    got: dict[bytes, Answer | index.MeiliError] = {}

    def ask(plans) -> None:
        missing: dict[bytes, dict] = {}
        for planned in plans:
            for _field, key, search in planned:
                if key in got or key in missing:
                    continue
                answer = shared.get(key)
                if answer is None:
                    missing[key] = search
                else:
                    got[key] = answer
        for key, result in _ask(client, missing, limit, budget, parallel).items():
            if isinstance(result, index.MeiliError):
                got[key] = result
                continue
            got[key] = Answer(result, missing[key]["limit"], shared.places)
            if keep:
                shared.put(key, got[key])

    scores: dict[int, dict[int, float]] = {}
    refused: dict[int, str] = {}

    def score(profile: Profile, business: int | None) -> bool:
        """Score a listing from its answers; False when its own business fills one."""
        tagged, errors = [], []
        for field, key, _search in plans[profile.id]:
            answer = got[key]
            if isinstance(answer, index.MeiliError):
                errors.append(answer)
                continue
            hits = answer.candidates(business, shared.places)
            if hits is None:
                return False
            tagged.append((field, hits))
        if errors:
            refused[profile.id] = str(errors[0])
        else:
            scores[profile.id] = raw_scores(profile, tagged, shared.places)
        return True

    plans = {profile.id: plan(profile, own_business_out=only is not None)
             for profile in profiles}
    ask(plans.values())
    again = [profile for profile in profiles
             if not score(profile, None if only is not None else profile.business_id)]
    if again:
        plans.update({profile.id: plan(profile, own_business_out=True) for profile in again})
        ask(plans[profile.id] for profile in again)
        for profile in again:
            score(profile, None)
    return scores, refused


def find_counterparts(profiles: list[Profile], hidden_ids=(), known=None,
                      load_profiles=None, budget: Budget | None = None,
                      refused: dict[int, str] | None = None, waiting=None,
                      settled=frozenset(), fresh=frozenset(),
                      shared: SharedAnswers | None = None) -> dict[int, dict[int, float]]:
    """Listing id -> {counterpart id: score} at or above the threshold.

    A pair is scored both ways and keeps the better score: the offer's searches may miss
    a request whose own searches find the offer well. So the result does not depend on
    which of the two was published (or edited) last. `known` gives the counterparts each
    listing is matched with now (counterpart id -> stored score), so they are re-checked;
    `load_profiles(ids)` returns the profiles of public listings outside `profiles` (for
    the reverse searches).

    A run of several batches (`tick` after a bulk import, `rematch`) is scored as one
    batch would be: `waiting(ids)` tells which of the counterparts `ids` have a job still
    to run, so a pair found with one of them is scored from its side then; `settled` are
    listings matched earlier in the run, whose stored scores are as fresh as a search
    would give (unless they wait again).
    Neither needs reverse searches, which otherwise grow with the number of batches.
    `fresh` are listings whose jobs came after the run began: the run's earlier searches
    may not have seen them, so their pairs get reverse searches as in a run of their own.
    `shared` keeps search answers for the whole run (see SharedAnswers).

    Pairs within the batch are scored both ways by the batch's own searches; only
    counterparts outside it need reverse searches, each listing's once for the whole batch.
    So a large batch (a bulk import, a rematch) costs a few searches per listing. The
    searches go by PROFILES_PER_PASS listings and only scores at or above the threshold
    are kept, so memory stays proportional to the matches.
    A listing whose searches Meilisearch refuses is left out of the result and put in
    `refused` (id -> error); a counterpart whose reverse searches it refuses is scored one
    way only. Raises index.SearchUnavailable when Meilisearch cannot answer, and
    BudgetSpent when `budget`'s time runs out first."""
    if not profiles:
        return {}
    known = known or {}
    refused = {} if refused is None else refused
    kept: dict[int, dict[int, float]] = {profile.id: {} for profile in profiles}

    def keep(listing_id: int, counterpart_id: int, score: float) -> None:
        if score >= MATCH_THRESHOLD and score > kept[listing_id].get(counterpart_id, 0.0):
            kept[listing_id][counterpart_id] = score

    bounded = budget is not None and budget.bounded
    per_pass = PROFILES_PER_BUDGETED_PASS if bounded else PROFILES_PER_PASS
    parallel = 1 if bounded else SEARCH_CALLS_IN_FLIGHT
    reverse_needed: dict[int, set[int]] = {}
    later: set[int] = set()
    for start in range(0, len(profiles), per_pass):
        forward, failed = _run(profiles[start:start + per_pass], hidden_ids, budget=budget,
                               parallel=parallel, shared=shared)
        refused.update(failed)
        if waiting is not None:
            found = {cid for listing_id, scores in forward.items()
                     for cid in (*scores, *known.get(listing_id, ())) if cid not in kept}
            later |= waiting(found)
        for listing_id, scores in forward.items():
            in_run = listing_id not in fresh
            for cid, score in scores.items():
                keep(listing_id, cid, score)
                if cid in kept:
                    keep(cid, listing_id, score)
                elif in_run and (cid in later or cid in settled):
                    continue  # scored from its side in this run (a settled pair is known)
                else:  # however weakly found, it is scored the other way round too
                    reverse_needed.setdefault(cid, set()).add(listing_id)
            mine = known.get(listing_id, {})
            for cid in mine:
                if cid in kept:
                    continue
                if in_run and cid in settled and cid not in later:
                    keep(listing_id, cid, mine[cid])
                else:
                    reverse_needed.setdefault(cid, set()).add(listing_id)
    if reverse_needed and load_profiles is not None:
        outside = sorted(reverse_needed)
        for start in range(0, len(outside), per_pass):
            if budget is not None:
                budget.check()  # before reading the profiles from the database
            others = load_profiles(outside[start:start + per_pass])
            reverse, _failed = _run(others, hidden_ids, only=reverse_needed, budget=budget,
                                    parallel=parallel, shared=shared)
            for other_id, scores in reverse.items():
                for listing_id, score in scores.items():
                    if listing_id in kept:
                        keep(listing_id, other_id, score)
    for listing_id in refused:
        kept.pop(listing_id, None)
    return kept
