library(testthat)
library(indicators)
test_check("indicators")
