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
