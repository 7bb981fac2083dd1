# Reference values for helpers.influence and helpers.smalldf (issue 14, "depth").
# Run from the repository root:  Rscript tests/reference/r/depth.R
# Writes tests/reference/lme4_depth.csv. Needs lme4, lmerTest, pbkrtest.
suppressPackageStartupMessages({library(lme4); library(lmerTest); library(pbkrtest)})
src <- sprintf("lme4 %s, lmerTest %s, pbkrtest %s (%s)", packageVersion("lme4"),
               packageVersion("lmerTest"), packageVersion("pbkrtest"),
               sub("R version ([0-9.]+).*", "R \\1", R.version.string))
ver <- "our lme4 run: tests/reference/r/depth.R"
out <- list()
add <- function(id, table, quantity, value, digits = 8) {
  out[[length(out) + 1]] <<- data.frame(id = id, source = src, table = table,
    quantity = quantity, value = signif(value, digits), digits = digits, verified = ver)
}
tests <- function(fit, key, terms) {
  for (ddf in c("Satterthwaite", "Kenward-Roger")) {
    co <- coef(summary(fit, ddf = ddf))
    tag <- if (ddf == "Satterthwaite") "satt" else "kr"
    for (term in terms) {
      t <- gsub("[^A-Za-z]", "", term)
      add(sprintf("%s.%s.%s.df", key, tag, t), sprintf("summary(ddf = '%s')", ddf),
          sprintf("%s df of %s", ddf, term), co[term, "df"])
      add(sprintf("%s.%s.%s.se", key, tag, t), sprintf("summary(ddf = '%s')", ddf),
          sprintf("%s standard error of %s", ddf, term), co[term, "Std. Error"])
      add(sprintf("%s.%s.%s.p", key, tag, t), sprintf("summary(ddf = '%s')", ddf),
          sprintf("%s p-value of %s", ddf, term), co[term, "Pr(>|t|)"])
    }
  }
}

# --- Small-sample tests -------------------------------------------------------------------
data(sleepstudy, package = "lme4")
ss <- lmer(Reaction ~ Days + (Days | Subject), sleepstudy, REML = TRUE)
tests(ss, "sleepstudy.rs.reml", c("(Intercept)", "Days"))
# Unbalanced: every seventh row removed (rows 1, 8, 15, ... of the lme4 order).
unb <- sleepstudy[-seq(1, nrow(sleepstudy), by = 7), ]
ssu <- lmer(Reaction ~ Days + (Days | Subject), unb, REML = TRUE)
tests(ssu, "sleepstudy_unb.rs.reml", c("(Intercept)", "Days"))
schools <- read.csv("data/schools.csv")
sch <- lmer(ExamScore ~ SchoolQuality + StudentAge + StudentGender + (1 | SchoolID),
            schools, REML = TRUE)
tests(sch, "schools.ri.reml", c("SchoolQuality", "StudentAge", "StudentGenderMale"))
# A two-degree-of-freedom F test (Kenward-Roger, pbkrtest) and its Satterthwaite twin.
sch0 <- lmer(ExamScore ~ StudentGender + (1 | SchoolID), schools, REML = TRUE)
kr <- KRmodcomp(sch, sch0)
add("schools.ri.reml.kr.F2.ddf", "KRmodcomp", "Kenward-Roger denominator df, quality and age", kr$stats$ddf)
add("schools.ri.reml.kr.F2.F", "KRmodcomp", "Kenward-Roger scaled F, quality and age", kr$stats$Fstat)
add("schools.ri.reml.kr.F2.p", "KRmodcomp", "Kenward-Roger p-value, quality and age", kr$stats$p.value)
L <- rbind(c(0, 1, 0, 0), c(0, 0, 1, 0))
st <- contestMD(sch, L, ddf = "Satterthwaite")
add("schools.ri.reml.satt.F2.ddf", "contestMD", "Satterthwaite denominator df, quality and age", st$DenDF)
add("schools.ri.reml.satt.F2.F", "contestMD", "Satterthwaite F, quality and age", st[["F value"]])

# --- Influence: sleepstudy ----------------------------------------------------------------
ss4 <- lme4::lmer(Reaction ~ Days + (Days | Subject), sleepstudy, REML = TRUE)
h <- hatvalues(ss4); cd <- cooks.distance(ss4)
add("sleepstudy.rs.reml.hat.1", "hatvalues()", "hat value of row 1", h[1])
add("sleepstudy.rs.reml.hat.max", "hatvalues()", "largest hat value", max(h))
add("sleepstudy.rs.reml.hat.which", "hatvalues()", "row (1-based) of the largest hat value", which.max(h))
add("sleepstudy.rs.reml.hat.sum", "hatvalues()", "sum of hat values", sum(h))
add("sleepstudy.rs.reml.cooks.1", "cooks.distance()", "Cook's distance of row 1", cd[1])
add("sleepstudy.rs.reml.cooks.max", "cooks.distance()", "largest Cook's distance", max(cd))
add("sleepstudy.rs.reml.cooks.which", "cooks.distance()", "row (1-based) of the largest Cook's distance", which.max(cd))
inf <- influence(ss4, groups = "Subject")
cdg <- cooks.distance(inf); names(cdg) <- rownames(dfbetas(inf))
dfb <- dfbetas(inf)
vcc <- inf[[4]]  # var.cov.comps[-Subject]: sigma^2, v[(Intercept)], C[..], v[Days]
J <- length(cdg); p <- length(fixef(ss4))
for (s in names(cdg)) {
  add(sprintf("sleepstudy.rs.reml.infl.%s.cooks", s), "cooks.distance(influence(groups = 'Subject'))",
      sprintf("Cook's distance of subject %s (lme4 scaling (J - p)/J)", s), cdg[[s]])
  add(sprintf("sleepstudy.rs.reml.infl.%s.dfbetas_Days", s), "dfbetas(influence(groups = 'Subject'))",
      sprintf("DFBETAS of Days without subject %s", s), dfb[s, "Days"])
  add(sprintf("sleepstudy.rs.reml.infl.%s.var_intercept", s), "influence()$var.cov.comps",
      sprintf("intercept variance without subject %s", s), vcc[s, 2])
  add(sprintf("sleepstudy.rs.reml.infl.%s.var_slope", s), "influence()$var.cov.comps",
      sprintf("slope variance without subject %s", s), vcc[s, 4])
  add(sprintf("sleepstudy.rs.reml.infl.%s.var_residual", s), "influence()$var.cov.comps",
      sprintf("residual variance without subject %s", s), vcc[s, 1])
}
add("sleepstudy.rs.reml.infl.cooks_scale", "lme4:::cooks.distance.influence.merMod",
    "lme4's factor (J - p)/J on Cook's distance of deleted groups", (J - p) / J)

# --- Influence: the ESS case study, as the chapter prepares it ----------------------------
ess <- read.csv("data/ess.csv")
pub <- ess[!(ess$pplhlp %in% c(77, 88, 99)), ]  # outcome codes missing, trstplc as recorded
fp <- lme4::lmer(pplhlp ~ trstplc + (trstplc | intnum), pub, REML = TRUE)
h <- hatvalues(fp); cd <- cooks.distance(fp); r88 <- which(pub$trstplc == 88)
add("ess.pub.rs.reml.hat.row88", "hatvalues()", "hat value of the respondent coded 88", h[r88])
add("ess.pub.rs.reml.hat.max_other", "hatvalues()", "largest hat value of any other respondent", max(h[-r88]))
add("ess.pub.rs.reml.cooks.row88", "cooks.distance()", "Cook's distance of the respondent coded 88", cd[r88])
add("ess.pub.rs.reml.cooks.max_other", "cooks.distance()", "largest Cook's distance of any other respondent", max(cd[-r88]))
add("ess.pub.rs.reml.hat.sum", "hatvalues()", "sum of hat values", sum(h))
infe <- influence(fp, groups = "intnum")
cde <- cooks.distance(infe); names(cde) <- rownames(dfbetas(infe))
J <- length(cde)
add("ess.pub.rs.reml.infl.7519.cooks", "cooks.distance(influence(groups = 'intnum'))",
    "Cook's distance of interviewer 7519 (lme4 scaling (J - p)/J)", cde[["7519"]])
add("ess.pub.rs.reml.infl.max_other.cooks", "cooks.distance(influence(groups = 'intnum'))",
    "largest Cook's distance of any other interviewer (lme4 scaling)", max(cde[names(cde) != "7519"]))
add("ess.pub.rs.reml.infl.cooks_scale", "lme4:::cooks.distance.influence.merMod",
    "lme4's factor (J - p)/J on Cook's distance of deleted interviewers", (J - 2) / J)
vce <- infe[[4]]  # sigma^2, v[(Intercept)], C[..], v[trstplc]
add("ess.pub.rs.reml.infl.7519.var_slope", "influence()$var.cov.comps",
    "slope variance without interviewer 7519", vce["7519", 4])
add("ess.pub.rs.reml.infl.4976.var_intercept", "influence()$var.cov.comps",
    "intercept variance without interviewer 4976", vce["4976", 2])
dfe <- dfbetas(infe)
add("ess.pub.rs.reml.infl.7519.dfbetas_trstplc", "dfbetas(influence(groups = 'intnum'))",
    "DFBETAS of trstplc without interviewer 7519", dfe["7519", "trstplc"])

# Profile intervals of the interviewer variances, before and after recoding. lme4's profile()
# of a REML fit profiles the ML deviance (the values equal helpers.profile_ci of an ML fit).
# Reported as variances: lme4's sd bounds squared.
cln <- ess
items <- c("pplhlp", "trstplc")
for (v in items) cln[[v]][cln[[v]] %in% c(77, 88, 99)] <- NA
cln <- cln[complete.cases(cln[, items]), ]
fc <- lme4::lmer(pplhlp ~ trstplc + (trstplc | intnum), cln, REML = TRUE)
for (case in list(list("pub", fp), list("clean", fc))) {
  ci <- confint(profile(case[[2]], which = "theta_", signames = FALSE), level = 0.95)
  rn <- rownames(ci)
  i0 <- grep("^sd_\\(Intercept\\)", rn); i1 <- grep("^sd_trstplc", rn)
  for (b in 1:2) {
    bound <- c("lower", "upper")[b]
    add(sprintf("ess.%s.rs.ml.profile.var_intercept.%s", case[[1]], bound), "confint(profile())",
        sprintf("95%% profile (ML deviance) bound (%s) of the intercept variance, %s", bound, case[[1]]), ci[i0, b]^2)
    add(sprintf("ess.%s.rs.ml.profile.var_slope.%s", case[[1]], bound), "confint(profile())",
        sprintf("95%% profile (ML deviance) bound (%s) of the slope variance, %s", bound, case[[1]]), ci[i1, b]^2)
  }
}

res <- do.call(rbind, out)
write.csv(res, "tests/reference/lme4_depth.csv", row.names = FALSE, quote = TRUE)
cat(nrow(res), "values written to tests/reference/lme4_depth.csv\n")
