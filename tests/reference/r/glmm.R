# Reference values for chapters/glmm.md and tests/unit/test_glmm.py.
# Run from the repository root: Rscript tests/reference/r/glmm.R > tests/reference/lme4_glmm.csv
# Needs R with lme4 and mlmRev (the project itself never needs R).
suppressPackageStartupMessages({library(lme4); library(mlmRev)})
src <- sprintf("lme4 %s (R %s)", packageVersion("lme4"),
               paste(R.version$major, R.version$minor, sep = "."))
ver <- "our lme4 run: tests/reference/r/glmm.R"
rows <- list()
add <- function(id, table, quantity, value) {
  rows[[length(rows) + 1]] <<- data.frame(id = id, source = src, table = table,
    quantity = quantity, value = sprintf("%.8g", value), digits = 8, verified = ver)
}
fe_names <- c("(Intercept)" = "intercept", "age" = "age", "I(age^2)" = "age2",
              "urbanY" = "urbanY", "livch1" = "livch1", "livch2" = "livch2",
              "livch3+" = "livch3", "period2" = "period2", "period3" = "period3",
              "period4" = "period4")
record <- function(fit, key, what) {
  add(paste0(key, ".loglik"), "logLik()", paste(what, "log-likelihood"), as.numeric(logLik(fit)))
  b <- fixef(fit)
  se_default <- sqrt(diag(as.matrix(vcov(fit))))
  se_nohess <- sqrt(diag(as.matrix(vcov(fit, use.hessian = FALSE))))
  for (n in names(b)) {
    k <- fe_names[[n]]
    add(paste0(key, ".beta.", k), "fixef()", paste(what, "fixed effect", n), b[[n]])
    add(paste0(key, ".se.", k), "vcov()", paste(what, "SE (default, Hessian)", n), se_default[[n]])
    add(paste0(key, ".se_nohess.", k), "vcov(use.hessian = FALSE)",
        paste(what, "SE (use.hessian = FALSE)", n), se_nohess[[n]])
  }
  vc <- as.data.frame(VarCorr(fit))
  for (i in seq_len(nrow(vc))) {
    if (is.na(vc$var2[i])) {
      term <- if (vc$var1[i] == "(Intercept)") "intercept" else vc$var1[i]
      add(paste0(key, ".var.", term), "VarCorr()", paste(what, "variance of", vc$var1[i]), vc$vcov[i])
    } else {
      add(paste0(key, ".cov"), "VarCorr()", paste(what, "covariance"), vc$vcov[i])
      add(paste0(key, ".cor"), "VarCorr()", paste(what, "correlation"), vc$sdcor[i])
    }
  }
}
ctl <- glmerControl(optimizer = "bobyqa")
f <- use ~ age + I(age^2) + urban + livch
ri <- glmer(update(f, . ~ . + (1 | district)), Contraception, binomial, control = ctl)
record(ri, "contraception.ri.laplace", "Contraception, random intercept, Laplace:")
ri20 <- glmer(update(f, . ~ . + (1 | district)), Contraception, binomial, nAGQ = 20, control = ctl)
record(ri20, "contraception.ri.agq20", "Contraception, random intercept, nAGQ = 20:")
rs <- glmer(update(f, . ~ . + (1 + urban | district)), Contraception, binomial, control = ctl)
record(rs, "contraception.rs.laplace", "Contraception, random slope of urban, Laplace:")
null <- glm(f, binomial, Contraception)
add("contraception.glm.loglik", "logLik()", "Contraception, no random effect (glm): log-likelihood",
    as.numeric(logLik(null)))
add("contraception.ri_vs_rs.lr", "anova()", "LR statistic, random intercept vs random slope of urban",
    as.numeric(2 * (logLik(rs) - logLik(ri))))
cbpp_l <- glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), cbpp, binomial)
record(cbpp_l, "cbpp.ri.laplace", "cbpp, random intercept, Laplace:")
cbpp_q <- glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), cbpp, binomial, nAGQ = 20)
record(cbpp_q, "cbpp.ri.agq20", "cbpp, random intercept, nAGQ = 20:")
cbpp_glm <- glm(cbind(incidence, size - incidence) ~ period, binomial, cbpp)
add("cbpp.glm.loglik", "logLik()", "cbpp, no random effect (glm): log-likelihood",
    as.numeric(logLik(cbpp_glm)))
out <- do.call(rbind, rows)
write.csv(out, stdout(), row.names = FALSE, quote = c(1, 2, 3, 4, 7))
