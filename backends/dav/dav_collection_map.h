#pragma once
// Turns the Depth:1 PROPFIND of a calendar or address book home (RFC 4791 section 6.2.1,
// RFC 6352 section 7.1.1) into DavCollections, and picks the default collection of each
// kind. Pure functions, no I/O; thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "backends/api/collection_store.h"
#include "backends/dav/dav_xml.h"

namespace easgate {

// Properties a home listing asks for; collection_from_response reads exactly these.
std::vector<DavName> home_listing_properties();

// The collection one multistatus response describes, or nullopt when it is not a
// calendar/address book or holds nothing EAS can sync (e.g. a VFREEBUSY-only calendar,
// a scheduling inbox). `response_url` is the response's href resolved to an absolute URL.
std::optional<DavCollection> collection_from_response(const DavResponse& response,
                                                      const std::string& response_url);

// Every collection in the listing of the home at `home_url` (the URL the response came
// from), skipping the home itself and members that are not collections.
std::vector<DavCollection> collections_from_home(const Multistatus& listing,
                                                 const std::string& home_url);

// Sorts by href, drops duplicate hrefs (a server whose calendar and address book homes are
// the same URL lists each collection twice) and sets is_default on one collection per kind.
void order_and_pick_defaults(std::vector<DavCollection>* collections);

}  // namespace easgate
