# Against live servers started by client/r/test.sh on 127.0.0.1: one plain
# (INDICATORS_HTTP_URL) over the frozen test dataset, one with tokens
# required for reads behind nginx with TLS (INDICATORS_HTTPS_URL,
# INDICATORS_CA_FILE, INDICATORS_READ_TOKEN).

client <- function() indicators_client(Sys.getenv("INDICATORS_HTTP_URL"))

test_that("seed figures come back typed, with their qualifiers and units", {
  seed <- indicators_query(client(), regions = "CN-GD", start = 2023,
                           end = 2023, sources = "SEED")
  expect_s3_class(seed, "data.frame")
  expect_type(seed$value, "double")
  expect_type(seed$unit_multiplier, "integer")
  expect_s3_class(seed$qualifier, "factor")
  expect_s3_class(seed$status, "factor")
  expect_type(seed$source_ids, "list")
  hte <- seed[seed$indicator_id == "high_tech_enterprises", ]
  expect_equal(hte$value, 75000)
  expect_equal(as.character(hte$qualifier), "over")
  expect_equal(hte$unit, "enterprises")
  rd <- seed[seed$indicator_id == "rd_expenditure", ]
  expect_equal(rd$value, 460)
  expect_equal(rd$unit, "CNY")
  expect_equal(rd$unit_multiplier, 9L)
  expect_equal(rd$source_ids[[1]], "SEED")
  expect_match(attr(seed, "dataset_version"), "^[0-9a-f]{64}$")
})

test_that("the stream and the pages give the same rows", {
  paged <- indicators_query(client(), indicators = c("rd_expenditure", "rd_intensity"),
                            page_size = 7)
  streamed <- indicators_stream(client(), indicators = c("rd_expenditure", "rd_intensity"))
  expect_gt(nrow(paged), 50)
  # The rows are the same; the warnings are said per page or per stream.
  expect_gt(length(attr(streamed, "warnings")), 0)
  attr(paged, "warnings") <- NULL
  attr(streamed, "warnings") <- NULL
  expect_identical(streamed, paged)
  info <- indicators_dataset_info(client())
  expect_equal(attr(streamed, "dataset_version"), info$version)
})

test_that("values convert on request and say so in their unit", {
  gd <- indicators_query(client(), indicators = "rd_expenditure", regions = "CN-GD",
                         start = 2023, end = 2023, preferred = TRUE,
                         unit_multiplier = 8)
  expect_equal(nrow(gd), 1)
  expect_equal(gd$value, 4802.6)
  expect_equal(gd$unit_multiplier, 8L)
})

test_that("bounds come as columns, rankings with their rank ranges", {
  gd <- indicators_query(client(), indicators = "rd_expenditure", regions = "CN-GD",
                         start = 2022, end = 2022, include_bounds = TRUE)
  about <- gd[vapply(gd$source_ids, function(s) "S3" %in% s, TRUE), ]
  expect_equal(as.character(about$qualifier), "about")
  expect_equal(c(about$value_lower, about$value_upper), c(415, 425))
  plain <- indicators_query(client(), indicators = "rd_expenditure", regions = "CN-GD",
                            start = 2022, end = 2022)
  expect_false("value_lower" %in% names(plain))
  hte <- indicators_stream(client(), indicators = "high_tech_enterprises",
                           regions = "CN-GD", sources = "SEED", include_bounds = TRUE)
  expect_equal(c(hte$value_lower, hte$value_upper), c(75000, Inf))

  ranked <- indicators_rank(client(), "high_tech_enterprises", period = 2023,
                            regions = c("CN", "CN-GD"))
  # Over 460,000 and over 75,000: the bounds cannot order them.
  expect_equal(ranked$best_rank, c(1L, 1L))
  expect_equal(ranked$worst_rank, c(2L, 2L))
  expect_equal(ranked$value_upper, c(Inf, Inf))
  expect_equal(nrow(attr(ranked, "undetermined")), 1)
  expect_equal(attr(ranked, "period"), "2023")
})

test_that("reconciliation tells a revision from agreement", {
  checks <- indicators_reconcile(client(), indicators = "rd_expenditure",
                                 regions = "CN-GD", start = 2023, end = 2023)
  sources <- checks[checks$check == "sources", ]
  s2 <- sources[grepl("(S2, preliminary)", sources$summary, fixed = TRUE), ]
  expect_equal(nrow(s2), 1)
  expect_equal(as.character(s2$verdict), "discrepant")
  expect_equal(s2$cause, "revision")
  expect_equal(c(s2$compared_lower, s2$compared_upper), c(455, 465))
  expect_equal(s2$difference, s2$compared_value - s2$reference_value)
  over <- sources[grepl("^sources: over 460", sources$summary), ]
  expect_equal(as.character(over$verdict), "consistent")
  expect_equal(over$compared_upper, Inf)
  only <- indicators_reconcile(client(), indicators = "rd_expenditure",
                               discrepancies_only = TRUE)
  expect_gt(nrow(only), 0)
  figures <- unique(only[, c("indicator_id", "region_code", "period")])
  for (i in seq_len(nrow(figures))) {
    rows <- merge(only, figures[i, ])
    expect_true(any(rows$verdict == "discrepant"))
  }
})

test_that("errors carry the service's code, reason and field", {
  err <- tryCatch(indicators_query(client(), indicators = "no_such_indicator"),
                  indicators_error = function(e) e)
  expect_s3_class(err, "indicators_error")
  expect_equal(err$code, "not_found")
  expect_equal(err$reason, "UNKNOWN_INDICATOR")
  expect_equal(err$field, "filter.indicator_ids[0]")
  err <- tryCatch(indicators_stream(client(), start = "20x3"),
                  indicators_error = function(e) e)
  expect_equal(err$code, "invalid_argument")
  expect_equal(err$reason, "INVALID_PERIOD")
  expect_equal(err$field, "filter.start_period")
})

test_that("the catalog is complete and search finds a region by name", {
  info <- indicators_dataset_info(client())
  indicators <- indicators_indicators(client())
  regions <- indicators_regions(client())
  sources <- indicators_sources(client())
  expect_equal(nrow(indicators), info$indicatorCount)
  expect_equal(nrow(regions), info$regionCount)
  expect_equal(nrow(sources), info$sourceCount)
  expect_true("CN-GD" %in% regions$code)
  expect_s3_class(sources$reliability, "factor")
  expect_false(anyNA(sources$reliability))
  found <- indicators_search(client(), "Guangdong")
  expect_true(any(found$kind == "region" & found$id == "CN-GD"))
  expect_true(all(diff(found$score) <= 0))
})

test_that("TLS and tokens: refused without one, served with one", {
  url <- Sys.getenv("INDICATORS_HTTPS_URL")
  ca <- Sys.getenv("INDICATORS_CA_FILE")
  anonymous <- indicators_client(url, ca_file = ca)
  err <- tryCatch(indicators_dataset_info(anonymous),
                  indicators_error = function(e) e)
  expect_s3_class(err, "indicators_error")
  expect_equal(err$code, "unauthenticated")
  reader <- indicators_client(url, token = Sys.getenv("INDICATORS_READ_TOKEN"),
                              ca_file = ca)
  expect_match(indicators_dataset_info(reader)$version, "^[0-9a-f]{64}$")
  wrong <- indicators_client(url, token = "not-a-token", ca_file = ca)
  err <- tryCatch(indicators_dataset_info(wrong), indicators_error = function(e) e)
  expect_equal(err$code, "unauthenticated")
})
