# A client of the indicator service's HTTP surface: every call is a POST of
# JSON to /indicators.v1.IndicatorService/<Method> (the Connect protocol),
# and every error a condition of class "indicators_error" that carries the
# service's code, reason and field.

#' Connects to the service's HTTP surface.
#'
#' @param base_url Where the server listens with --http_listen.
#' @param token A bearer token, sent as "Authorization: Bearer <token>".
#' @param timeout Seconds each call may take (sent as Connect-Timeout-Ms).
#' @param ca_file For https: the CA that signed the server's certificate.
indicators_client <- function(base_url = "http://127.0.0.1:8080", token = NULL,
                              timeout = 30, ca_file = NULL) {
  structure(list(base_url = sub("/+$", "", base_url), token = token,
                 timeout = timeout, ca_file = ca_file),
            class = "indicators_client")
}

# Returns the request of `method` with the client's headers and options.
new_request <- function(client, method, content_type) {
  req <- httr2::request(paste0(client$base_url,
                               "/indicators.v1.IndicatorService/", method))
  req <- httr2::req_headers(req, `Content-Type` = content_type,
                            `Connect-Protocol-Version` = "1",
                            `Connect-Timeout-Ms` =
                              format(round(client$timeout * 1000),
                                     scientific = FALSE))
  if (!is.null(client$token)) {
    req <- httr2::req_headers(req,
                              Authorization = paste("Bearer", client$token))
  }
  if (!is.null(client$ca_file)) {
    req <- httr2::req_options(req, cainfo = client$ca_file)
  }
  req <- httr2::req_timeout(req, client$timeout + 5)
  httr2::req_error(req, is_error = function(resp) FALSE)
}

# Raises the Connect error `error` (parsed JSON) as an R condition.
raise <- function(error, method) {
  reason <- NA_character_
  fields <- character()
  for (detail in error$details) {
    if (identical(detail$type, "google.rpc.ErrorInfo")) {
      reason <- detail$debug$reason
    }
    if (identical(detail$type, "google.rpc.BadRequest")) {
      fields <- c(fields, vapply(detail$debug$fieldViolations,
                                 function(v) v$field, ""))
    }
  }
  message <- if (is.null(error$message)) error$code else error$message
  stop(structure(
    class = c("indicators_error", "error", "condition"),
    list(message = sprintf("%s: %s (%s)", method, message, error$code),
         call = NULL, code = error$code, reason = reason,
         field = if (length(fields)) fields[[1]] else NA_character_,
         fields = fields)))
}

body_json <- function(request) {
  if (length(request) == 0) "{}" else
    jsonlite::toJSON(request, auto_unbox = TRUE, null = "null", digits = NA)
}

#' Calls one unary method with `request` (a named list in the proto's JSON
#' form) and returns the answer as a list.
indicators_call <- function(client, method, request = list()) {
  req <- httr2::req_body_raw(new_request(client, method, "application/json"),
                             body_json(request), type = "application/json")
  resp <- httr2::req_perform(req)
  text <- httr2::resp_body_string(resp, encoding = "UTF-8")
  if (httr2::resp_status(resp) != 200) {
    raise(jsonlite::fromJSON(text, simplifyVector = FALSE), method)
  }
  jsonlite::fromJSON(text, simplifyVector = FALSE)
}

# The JSON of a filter from the arguments of the query functions.
filter_of <- function(indicators, regions, start, end, sources, preferred,
                      latest_only, known_on, include_subregions) {
  filter <- list()
  if (length(indicators)) filter$indicatorIds <- I(as.character(indicators))
  if (length(regions)) filter$regionCodes <- I(as.character(regions))
  if (!is.null(start)) filter$startPeriod <- as.character(start)
  if (!is.null(end)) filter$endPeriod <- as.character(end)
  if (length(sources)) filter$sourceIds <- I(as.character(sources))
  if (isTRUE(preferred)) filter$sourceMode <- "SOURCE_MODE_PREFERRED"
  if (isTRUE(latest_only)) filter$latestOnly <- TRUE
  if (isTRUE(include_subregions)) filter$includeSubregions <- TRUE
  if (!is.null(known_on)) filter$knownOn <- format(as.Date(known_on))
  filter
}

value_options_of <- function(unit_multiplier, currency, include_bounds = FALSE) {
  options <- list()
  if (!is.null(unit_multiplier)) options$unitMultiplier <- as.integer(unit_multiplier)
  if (!is.null(currency)) options$currency <- currency
  if (isTRUE(include_bounds)) options$includeBounds <- TRUE
  options
}

# The ends of observations' bounds (ValueBounds in JSON: an unset end is
# unbounded): -Inf/Inf where the sources set no bound, NA without bounds.
bound_end <- function(observations, name, unbounded) {
  vapply(observations, function(o) {
    if (is.null(o$bounds)) return(NA_real_)
    if (is.null(o$bounds[[name]])) unbounded else as.numeric(o$bounds[[name]])
  }, 0)
}

enum_factor <- function(values, prefix, levels) {
  factor(tolower(sub(prefix, "", unlist(values), fixed = TRUE)),
         levels = levels)
}

# Observations (lists in the proto's JSON form) as a data frame.
observation_frame <- function(observations) {
  get <- function(name, default) {
    lapply(observations, function(o) if (is.null(o[[name]])) default else o[[name]])
  }
  frame <- data.frame(
    indicator_id = as.character(unlist(get("indicatorId", ""))),
    region_code = as.character(unlist(get("regionCode", ""))),
    period = as.character(unlist(get("period", ""))),
    value = as.numeric(unlist(get("value", 0))),
    unit = as.character(unlist(get("unit", ""))),
    unit_multiplier = as.integer(unlist(get("unitMultiplier", 0L))),
    qualifier = enum_factor(get("qualifier", "QUALIFIER_UNSPECIFIED"),
                            "QUALIFIER_",
                            c("exact", "about", "over", "under", "nearly")),
    status = enum_factor(get("status", "OBSERVATION_STATUS_UNSPECIFIED"),
                         "OBSERVATION_STATUS_",
                         c("final", "preliminary", "estimate")),
    note = as.character(unlist(get("note", ""))),
    reliability = enum_factor(get("reliability", "SOURCE_RELIABILITY_UNSPECIFIED"),
                              "SOURCE_RELIABILITY_",
                              c("unverified", "news", "aggregator",
                                "official_mirror", "official")),
    derived = as.logical(unlist(get("derived", FALSE))),
    stringsAsFactors = FALSE)
  frame$source_ids <- lapply(observations,
                             function(o) as.character(unlist(o$sourceIds)))
  if (any(vapply(observations, function(o) !is.null(o$bounds), TRUE))) {
    frame$value_lower <- bound_end(observations, "lower", -Inf)
    frame$value_upper <- bound_end(observations, "upper", Inf)
  }
  frame
}

with_answer_attributes <- function(frame, version, warnings) {
  attr(frame, "dataset_version") <- version
  attr(frame, "warnings") <- vapply(warnings, function(w) w$message, "")
  frame
}

#' Observations matching a filter, all pages, as a data frame: value
#' (double) in `unit` x 10^`unit_multiplier`, qualifier, status and
#' reliability as factors, source_ids a list column. With `include_bounds`,
#' also value_lower and value_upper: the interval the source allows (-Inf/Inf
#' where it sets no bound: "over 75,000" is (75000, Inf)). The dataset version
#' and the service's warnings are attributes.
indicators_query <- function(client, indicators = NULL, regions = NULL,
                             start = NULL, end = NULL, sources = NULL,
                             preferred = FALSE, latest_only = FALSE,
                             known_on = NULL, include_subregions = FALSE,
                             unit_multiplier = NULL, currency = NULL,
                             include_bounds = FALSE, page_size = 1000) {
  request <- list(filter = filter_of(indicators, regions, start, end, sources,
                                     preferred, latest_only, known_on,
                                     include_subregions),
                  pageSize = page_size)
  options <- value_options_of(unit_multiplier, currency, include_bounds)
  if (length(options)) request$valueOptions <- options
  observations <- list()
  warnings <- list()
  version <- NA_character_
  repeat {
    page <- indicators_call(client, "QueryObservations", request)
    observations <- c(observations, page$observations)
    warnings <- c(warnings, page$warnings)
    version <- page$datasetVersion
    if (is.null(page$nextPageToken) || page$nextPageToken == "") break
    request$pageToken <- page$nextPageToken
  }
  with_answer_attributes(observation_frame(observations), version,
                         unique(warnings))
}

# Splits a Connect stream's body (raw) into its envelopes.
envelopes <- function(body) {
  out <- list()
  at <- 1L
  while (at + 4L <= length(body)) {
    flags <- as.integer(body[at])
    n <- sum(as.numeric(body[at + 1:4]) * 256^(3:0))
    payload <- if (n > 0) body[at + 5L:(4L + n)] else raw()
    out[[length(out) + 1L]] <- list(flags = flags,
                                    json = rawToChar(payload))
    at <- at + 5L + n
  }
  out
}

#' Every observation matching a filter through the server stream
#' (StreamObservations, one request however many rows), as
#' `indicators_query` returns them.
indicators_stream <- function(client, indicators = NULL, regions = NULL,
                              start = NULL, end = NULL, sources = NULL,
                              preferred = FALSE, latest_only = FALSE,
                              known_on = NULL, include_subregions = FALSE,
                              unit_multiplier = NULL, currency = NULL,
                              include_bounds = FALSE) {
  request <- list(filter = filter_of(indicators, regions, start, end, sources,
                                     preferred, latest_only, known_on,
                                     include_subregions))
  options <- value_options_of(unit_multiplier, currency, include_bounds)
  if (length(options)) request$valueOptions <- options
  json <- charToRaw(enc2utf8(as.character(body_json(request))))
  n <- length(json)
  header <- as.raw(c(0, (n %/% 256^(3:0)) %% 256))
  req <- new_request(client, "StreamObservations", "application/connect+json")
  req <- httr2::req_body_raw(req, c(header, json),
                             type = "application/connect+json")
  resp <- httr2::req_perform(req)
  if (httr2::resp_status(resp) != 200) {
    raise(jsonlite::fromJSON(httr2::resp_body_string(resp),
                             simplifyVector = FALSE), "StreamObservations")
  }
  observations <- list()
  warnings <- list()
  version <- NA_character_
  ended <- FALSE
  for (e in envelopes(httr2::resp_body_raw(resp))) {
    message <- jsonlite::fromJSON(e$json, simplifyVector = FALSE)
    if (bitwAnd(e$flags, 2L) != 0) {
      if (!is.null(message$error)) raise(message$error, "StreamObservations")
      ended <- TRUE
    } else {
      observations <- c(observations, message$observations)
      warnings <- c(warnings, message$warnings)
      version <- message$datasetVersion
    }
  }
  if (!ended) stop("StreamObservations: the stream was cut before its end")
  with_answer_attributes(observation_frame(observations), version,
                         unique(warnings))
}

# Lists every page of a List method into one list of resources.
list_all <- function(client, method, field, request = list()) {
  items <- list()
  request$pageSize <- 1000
  repeat {
    page <- indicators_call(client, method, request)
    items <- c(items, page[[field]])
    if (is.null(page$nextPageToken) || page$nextPageToken == "") break
    request$pageToken <- page$nextPageToken
  }
  items
}

column <- function(items, name, default = "") {
  vapply(items, function(x) if (is.null(x[[name]])) default else as.character(x[[name]]), "")
}

#' The indicators, with their unit and multiplier.
indicators_indicators <- function(client, include_derived = FALSE) {
  items <- list_all(client, "ListIndicators", "indicators",
                    if (include_derived) list(includeDerived = TRUE) else list())
  data.frame(id = column(items, "id"), name = column(items, "name"),
             unit = column(items, "unit"),
             unit_multiplier = as.integer(column(items, "unitMultiplier", "0")),
             description = column(items, "description"),
             derived = vapply(items, function(x) !is.null(x$derivation), TRUE),
             stringsAsFactors = FALSE)
}

#' The regions, with their type and parent.
indicators_regions <- function(client) {
  items <- list_all(client, "ListRegions", "regions")
  data.frame(code = column(items, "code"), name = column(items, "name"),
             type = factor(tolower(sub("REGION_TYPE_", "", column(items, "type"),
                                       fixed = TRUE))),
             parent_code = column(items, "parentCode"),
             stringsAsFactors = FALSE)
}

#' The sources: publisher, title, publication date, address, reliability.
indicators_sources <- function(client) {
  items <- list_all(client, "ListSources", "sources")
  data.frame(id = column(items, "id"), publisher = column(items, "publisher"),
             title = column(items, "title"),
             published = column(items, "published"),
             url = column(items, "url"),
             reliability = enum_factor(as.list(column(items, "reliability",
                                              "SOURCE_RELIABILITY_UNSPECIFIED")),
                                       "SOURCE_RELIABILITY_",
                                       c("unverified", "news", "aggregator",
                                         "official_mirror", "official")),
             note = column(items, "note"),
             stringsAsFactors = FALSE)
}

#' Free-text search over indicators, regions and sources (names, codes,
#' typos forgiven): one row per match, best first.
indicators_search <- function(client, query, max_results = 20) {
  answer <- indicators_call(client, "SearchCatalog",
                            list(query = query, maxResults = max_results))
  results <- answer$results
  kind <- vapply(results, function(r) {
    if (!is.null(r$indicator)) "indicator" else if (!is.null(r$region)) "region" else "source"
  }, "")
  id <- vapply(results, function(r) {
    if (!is.null(r$indicator)) r$indicator$id else if (!is.null(r$region)) r$region$code else r$source$id
  }, "")
  name <- vapply(results, function(r) {
    x <- if (!is.null(r$indicator)) r$indicator else if (!is.null(r$region)) r$region else r$source
    if (!is.null(x$name)) x$name else if (!is.null(x$title)) x$title else ""
  }, "")
  frame <- data.frame(kind = factor(kind, levels = c("indicator", "region", "source")),
                      id = id, name = name,
                      score = vapply(results, function(r) as.numeric(r$score), 0),
                      stringsAsFactors = FALSE)
  frame$matched_terms <- lapply(results, function(r) as.character(unlist(r$matchedTerms)))
  frame
}

#' The dataset being served: version, revision, counts, load time.
indicators_dataset_info <- function(client) {
  indicators_call(client, "GetDatasetInfo")$dataset
}

#' Regions ranked by one indicator in one period (RankRegions): a parent's
#' regions or a list, largest first, each with its preferred figure, its
#' bounds (value_lower, value_upper) and the rank range they allow
#' (best_rank to worst_rank, equal when its place is certain). The pairs the
#' bounds cannot order are the attribute "undetermined" (a data frame of
#' region_code and other_region_code).
indicators_rank <- function(client, indicator, period = NULL, parent = NULL,
                            regions = NULL, ascending = FALSE) {
  request <- list(indicatorId = indicator)
  if (!is.null(period)) request$period <- as.character(period)
  if (!is.null(parent)) request$parentRegionCode <- parent
  if (length(regions)) request$regionCodes <- I(as.character(regions))
  if (isTRUE(ascending)) request$ascending <- TRUE
  answer <- indicators_call(client, "RankRegions", request)
  ranked <- answer$regions
  frame <- observation_frame(lapply(ranked, function(r) r$observation))
  frame$best_rank <- vapply(ranked, function(r) as.integer(r$bestRank), 0L)
  frame$worst_rank <- vapply(ranked, function(r) as.integer(r$worstRank), 0L)
  pairs <- answer$undetermined
  attr(frame, "undetermined") <- data.frame(
    region_code = column(pairs, "regionCode"),
    other_region_code = column(pairs, "otherRegionCode"),
    stringsAsFactors = FALSE)
  attr(frame, "period") <- if (is.null(answer$period)) NA_character_ else answer$period
  attr(frame, "dataset_version") <- answer$datasetVersion
  frame
}

#' The filter's figures checked against each other (ReconcileObservations,
#' all pages), one row per check: the figure (indicator_id, region_code,
#' period), check (sum_of_parts, derived_vs_published, sources,
#' implied_exchange_rate), verdict (consistent, discrepant), cause ("",
#' unexplained, revision, inputs_published_later), the reference and compared
#' values with their bounds, difference, relative_difference and summary.
indicators_reconcile <- function(client, indicators = NULL, regions = NULL,
                                 start = NULL, end = NULL,
                                 discrepancies_only = FALSE) {
  request <- list(filter = filter_of(indicators, regions, start, end, NULL,
                                     FALSE, FALSE, NULL, FALSE),
                  pageSize = 1000)
  if (isTRUE(discrepancies_only)) request$discrepanciesOnly <- TRUE
  rows <- list()
  repeat {
    page <- indicators_call(client, "ReconcileObservations", request)
    for (f in page$figures) {
      for (c in f$checks) {
        rows[[length(rows) + 1]] <- list(figure = f, check = c)
      }
    }
    if (is.null(page$nextPageToken) || page$nextPageToken == "") break
    request$pageToken <- page$nextPageToken
  }
  name <- function(value, prefix) {
    if (is.null(value)) "" else tolower(sub(prefix, "", value, fixed = TRUE))
  }
  num <- function(value) if (is.null(value)) 0 else as.numeric(value)
  checks <- lapply(rows, function(r) r$check)
  frame <- data.frame(
    indicator_id = vapply(rows, function(r) r$figure$indicatorId, ""),
    region_code = vapply(rows, function(r) r$figure$regionCode, ""),
    period = vapply(rows, function(r) r$figure$period, ""),
    check = vapply(checks, function(c) name(c$kind, "RECONCILIATION_CHECK_KIND_"), ""),
    verdict = factor(vapply(checks, function(c) name(c$verdict, "RECONCILIATION_VERDICT_"), ""),
                     levels = c("consistent", "discrepant")),
    cause = vapply(checks, function(c) name(c$cause, "DISCREPANCY_CAUSE_"), ""),
    reference_value = vapply(checks, function(c) num(c$reference$value), 0),
    compared_value = vapply(checks, function(c) num(c$compared$value), 0),
    difference = vapply(checks, function(c) num(c$difference), 0),
    relative_difference = vapply(checks, function(c) num(c$relativeDifference), 0),
    reference_lower = bound_end(lapply(checks, function(c) c$reference), "lower", -Inf),
    reference_upper = bound_end(lapply(checks, function(c) c$reference), "upper", Inf),
    compared_lower = bound_end(lapply(checks, function(c) c$compared), "lower", -Inf),
    compared_upper = bound_end(lapply(checks, function(c) c$compared), "upper", Inf),
    summary = vapply(checks, function(c) if (is.null(c$summary)) "" else c$summary, ""),
    stringsAsFactors = FALSE)
  frame
}
