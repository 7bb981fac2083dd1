# lme4 reference values for the chapters and the unit tests (tests/reference/lme4_chapters.csv).
#
# Run from the repository root:  Rscript tests/reference/r/chapters.R
# Needs R with lme4, lmerTest, mlmRev, nlme and geepack; the course data come from data/.
# The project itself never needs R: this script only re-creates the CSV that the tests read.
suppressPackageStartupMessages({
  library(lme4); library(lmerTest); library(mlmRev); library(nlme); library(geepack)
})
lmer <- lme4::lmer  # plain lme4 fits (lmerTest only where its degrees of freedom are wanted)

SOURCE <- sprintf("lme4 %s (R %s.%s)", packageVersion("lme4"), R.version$major, R.version$minor)
VERIFIED <- "our lme4 run: tests/reference/r/chapters.R"
rows <- list()
put <- function(id, table, quantity, value, digits = 8) {
  rows[[length(rows) + 1]] <<- data.frame(
    id = id, source = SOURCE, table = table, quantity = quantity,
    value = trimws(formatC(signif(value, 10), digits = 10, format = "g")),
    digits = digits, verified = VERIFIED)
}
# fixed effects, their SEs, variances, residual and log-likelihood of one fit
put_fit <- function(prefix, fit, call, fe_names = NULL) {
  fe <- fixef(fit); se <- sqrt(diag(as.matrix(vcov(fit))))
  nm <- if (is.null(fe_names)) tolower(gsub("[^A-Za-z0-9]+", "_", gsub("[()]", "", names(fe)))) else fe_names
  for (k in seq_along(fe)) {
    put(paste0(prefix, ".fixef_", nm[k]), call, paste("fixed effect", names(fe)[k]), fe[[k]])
    put(paste0(prefix, ".se_", nm[k]), call, paste("SE of", names(fe)[k], "(vcov)"), se[[k]])
  }
  vc <- as.data.frame(VarCorr(fit))
  for (k in seq_len(nrow(vc))) {
    g <- tolower(gsub("[^A-Za-z0-9]+", "_", vc$grp[k]))
    a <- tolower(gsub("[^A-Za-z0-9]+", "_", gsub("[()]", "", vc$var1[k])))
    if (vc$grp[k] == "Residual") {
      put(paste0(prefix, ".var_residual"), call, "residual variance", vc$vcov[k])
      put(paste0(prefix, ".sigma"), call, "residual SD", vc$sdcor[k])
    } else if (is.na(vc$var2[k])) {
      put(paste0(prefix, ".var_", g, "_", a), call, paste("variance of", vc$var1[k], "by", vc$grp[k]), vc$vcov[k])
    } else {
      b <- tolower(gsub("[^A-Za-z0-9]+", "_", gsub("[()]", "", vc$var2[k])))
      put(paste0(prefix, ".cov_", g, "_", a, "_", b), call, paste("covariance by", vc$grp[k]), vc$vcov[k])
      put(paste0(prefix, ".corr_", g, "_", a, "_", b), call, paste("correlation by", vc$grp[k]), vc$sdcor[k])
    }
  }
  put(paste0(prefix, ".loglik"), call, if (isREML(fit)) "REML log-likelihood" else "log-likelihood",
      as.numeric(logLik(fit)))
}
mixture_p <- function(lr, df) 0.5 * pchisq(lr, df - 1, lower.tail = FALSE) + 0.5 * pchisq(lr, df, lower.tail = FALSE)

# --- sleepstudy -------------------------------------------------------------------------------
fm1 <- lmer(Reaction ~ Days + (Days | Subject), sleepstudy)
fm1_ml <- update(fm1, REML = FALSE)
fm2 <- lmer(Reaction ~ Days + (Days || Subject), sleepstudy)
fm2_ml <- update(fm2, REML = FALSE)
fm3 <- lmer(Reaction ~ Days + (1 | Subject), sleepstudy)
fm3_ml <- update(fm3, REML = FALSE)
put_fit("sleepstudy.rs.reml", fm1, "lmer(Reaction ~ Days + (Days | Subject), sleepstudy)")
put("sleepstudy.rs.reml.remlcrit", "REMLcrit(fm1)", "REML criterion", REMLcrit(fm1))
put_fit("sleepstudy.rs.ml", fm1_ml, "same, REML = FALSE")
put_fit("sleepstudy.uncorr.reml", fm2, "lmer(Reaction ~ Days + (Days || Subject), sleepstudy)")
put_fit("sleepstudy.uncorr.ml", fm2_ml, "same, REML = FALSE")
put_fit("sleepstudy.ri.reml", fm3, "lmer(Reaction ~ Days + (1 | Subject), sleepstudy)")
put_fit("sleepstudy.ri.ml", fm3_ml, "same, REML = FALSE")
re <- ranef(fm1, condVar = TRUE)$Subject
pv <- attr(re, "postVar")
i308 <- which(rownames(re) == "308")
put("sleepstudy.rs.reml.ranef_308_intercept", "ranef(fm1)", "conditional mode, subject 308, intercept", re[i308, 1])
put("sleepstudy.rs.reml.ranef_308_days", "ranef(fm1)", "conditional mode, subject 308, Days", re[i308, 2])
put("sleepstudy.rs.reml.condsd_308_intercept", "ranef(fm1, condVar = TRUE)", "conditional SD, subject 308, intercept", sqrt(pv[1, 1, i308]))
put("sleepstudy.rs.reml.condsd_308_days", "ranef(fm1, condVar = TRUE)", "conditional SD, subject 308, Days", sqrt(pv[2, 2, i308]))
for (s in c("309", "310")) {
  i <- which(rownames(re) == s)
  put(paste0("sleepstudy.rs.reml.ranef_", s, "_intercept"), "ranef(fm1)", paste("conditional mode, subject", s, ", intercept"), re[i, 1])
  put(paste0("sleepstudy.rs.reml.ranef_", s, "_days"), "ranef(fm1)", paste("conditional mode, subject", s, ", Days"), re[i, 2])
}
for (k in 1:3) {
  put(paste0("sleepstudy.rs.reml.fitted_row", k), "fitted(fm1)", paste("conditional fitted value, row", k), fitted(fm1)[[k]])
  put(paste0("sleepstudy.rs.reml.resid_row", k), "residuals(fm1)", paste("conditional residual, row", k), residuals(fm1)[[k]])
}
pr <- predict(fm1, data.frame(Days = c(0, 5), Subject = c("308", "999")), allow.new.levels = TRUE)
put("sleepstudy.rs.reml.predict_308_day0", "predict(fm1, newdata, allow.new.levels = TRUE)", "prediction, subject 308, day 0", pr[[1]])
put("sleepstudy.rs.reml.predict_new_day5", "predict(fm1, newdata, allow.new.levels = TRUE)", "prediction, a new subject, day 5", pr[[2]])
co <- summary(lmerTest::lmer(Reaction ~ Days + (Days | Subject), sleepstudy))$coefficients
put("sleepstudy.rs.reml.satterthwaite_df_days", "lmerTest summary()", "Satterthwaite df, Days", co["Days", "df"])
put("sleepstudy.rs.reml.satterthwaite_p_days", "lmerTest summary()", "p-value, Days (t, Satterthwaite df)", co["Days", "Pr(>|t|)"])
a31 <- anova(fm3, fm1)
put("sleepstudy.anova.ri_rs.chisq", "anova(fm3, fm1)", "LR statistic, ML refits", a31$Chisq[2])
put("sleepstudy.anova.ri_rs.p", "anova(fm3, fm1)", "naive chi-square(2) p-value", a31$`Pr(>Chisq)`[2])
put("sleepstudy.anova.ri_rs.mixture_p", "anova(fm3, fm1) statistic", "p-value under 0.5 chi2(1) + 0.5 chi2(2)", mixture_p(a31$Chisq[2], 2))
a21 <- anova(fm2, fm1)
put("sleepstudy.anova.uncorr_rs.chisq", "anova(fm2, fm1)", "LR statistic, ML refits", a21$Chisq[2])
put("sleepstudy.anova.uncorr_rs.p", "anova(fm2, fm1)", "chi-square(1) p-value", a21$`Pr(>Chisq)`[2])
a32 <- anova(fm3, fm2)
put("sleepstudy.anova.ri_uncorr.chisq", "anova(fm3, fm2)", "LR statistic, ML refits", a32$Chisq[2])
put("sleepstudy.anova.ri_uncorr.p", "anova(fm3, fm2)", "naive chi-square(1) p-value", a32$`Pr(>Chisq)`[2])
put_ci <- function(prefix, fit, call) {
  ci <- confint(fit, method = "profile", oldNames = FALSE)
  for (r in rownames(ci)) {
    if (!grepl("^(sd_|sigma)", r)) next
    k <- tolower(gsub("[^A-Za-z0-9]+", "_", gsub("[()]", "", r)))
    put(paste0(prefix, ".profile_", k, "_lower"), call, paste("2.5 % profile bound of", r), ci[r, 1])
    put(paste0(prefix, ".profile_", k, "_upper"), call, paste("97.5 % profile bound of", r), ci[r, 2])
  }
}
put_ci("sleepstudy.rs.reml", fm1, "confint(fm1, method = 'profile'), REML fit")
put_ci("sleepstudy.rs.ml", fm1_ml, "confint(fm1_ml, method = 'profile')")
put_ci("sleepstudy.ri.ml", fm3_ml, "confint(fm3_ml, method = 'profile')")
# the unbalanced subset used for the fixed-effects standard errors
drop <- sleepstudy[-c(seq(3, 180, by = 7), 1:5), ]
stopifnot(nrow(drop) == 150)
put_fit("sleepstudy_unbalanced.rs.reml", lmer(Reaction ~ Days + (Days | Subject), drop), "sleepstudy without rows seq(3, 180, 7) and 1:5, REML")
put_fit("sleepstudy_unbalanced.rs.ml", lmer(Reaction ~ Days + (Days | Subject), drop, REML = FALSE), "same, ML")

# --- Dyestuff ----------------------------------------------------------------------------------
dye <- lmer(Yield ~ 1 + (1 | Batch), Dyestuff)
dye_ml <- update(dye, REML = FALSE)
put_fit("dyestuff.ri.reml", dye, "lmer(Yield ~ 1 + (1 | Batch), Dyestuff)")
put_fit("dyestuff.ri.ml", dye_ml, "same, REML = FALSE")
put_ci("dyestuff.ri.ml", dye_ml, "confint(dye_ml, method = 'profile')")

# --- Exam (mlmRev): the MLwiN tutorial ---------------------------------------------------------
e0 <- lmer(normexam ~ 1 + (1 | school), Exam, REML = FALSE)
e1 <- lmer(normexam ~ standLRT + (1 | school), Exam, REML = FALSE)
e2 <- lmer(normexam ~ standLRT + (standLRT | school), Exam, REML = FALSE)
put_fit("exam.empty.ml", e0, "lmer(normexam ~ 1 + (1 | school), Exam, REML = FALSE)")
put_fit("exam.ri.ml", e1, "lmer(normexam ~ standLRT + (1 | school), Exam, REML = FALSE)")
put_fit("exam.rs.ml", e2, "lmer(normexam ~ standLRT + (standLRT | school), Exam, REML = FALSE)")
e0r <- lmer(normexam ~ 1 + (1 | school), Exam)
put_fit("exam.empty.reml", e0r, "lmer(normexam ~ 1 + (1 | school), Exam)")
put_ci("exam.empty.ml", e0, "confint(e0, method = 'profile')")
re0 <- ranef(e0r, condVar = TRUE)$school
pv0 <- attr(re0, "postVar")
for (s in c("1", "48")) {
  i <- which(rownames(re0) == s)
  put(paste0("exam.empty.reml.ranef_school", s), "ranef(e0r)", paste("conditional mode, school", s), re0[i, 1])
  put(paste0("exam.empty.reml.condsd_school", s), "ranef(e0r, condVar = TRUE)", paste("conditional SD, school", s), sqrt(pv0[1, 1, i]))
}

# --- High School and Beyond (mlmRev Hsb82, with nlme's MathAchSchool MEANSES) ------------------
d <- Hsb82
d$MEANSES <- MathAchSchool$MEANSES[match(as.character(d$school), as.character(MathAchSchool$School))]
d$ses_c <- d$ses - d$MEANSES
d$catholic <- as.integer(d$sector == "Catholic")
put_fit("hsb.anova.reml", lmer(mAch ~ 1 + (1 | school), d), "lmer(mAch ~ 1 + (1 | school), Hsb82)")
put_fit("hsb.means.reml", lmer(mAch ~ MEANSES + (1 | school), d), "lmer(mAch ~ MEANSES + (1 | school)), MEANSES of MathAchSchool")
put_fit("hsb.coef.reml", lmer(mAch ~ ses_c + (ses_c | school), d), "lmer(mAch ~ ses_c + (ses_c | school)), ses_c = ses - MEANSES")
put_fit("hsb.full.reml", lmer(mAch ~ MEANSES * ses_c + catholic * ses_c + (ses_c | school), d),
        "lmer(mAch ~ MEANSES * ses_c + catholic * ses_c + (ses_c | school))",
        fe_names = c("intercept", "meanses", "ses_c", "catholic", "meanses_ses_c", "ses_c_catholic"))
hwb <- lmer(mAch ~ cses + meanses + (cses | school), Hsb82, REML = FALSE)
put_fit("hsb.within_between_rs.ml", hwb, "lmer(mAch ~ cses + meanses + (cses | school), Hsb82, REML = FALSE)")
put_ci("hsb.within_between_rs.ml", hwb, "confint(hwb, method = 'profile')")

# --- dietox (geepack) ---------------------------------------------------------------------------
data(dietox, package = "geepack")
put_fit("dietox.rs.reml", lmer(Weight ~ Time + (Time | Pig), dietox), "lmer(Weight ~ Time + (Time | Pig), dietox)")

# --- nested and crossed: Pastes, Penicillin ----------------------------------------------------
put_fit("pastes.nested.reml", lmer(strength ~ 1 + (1 | batch/cask), Pastes), "lmer(strength ~ 1 + (1 | batch/cask), Pastes)")
put_fit("penicillin.crossed.reml", lmer(diameter ~ 1 + (1 | plate) + (1 | sample), Penicillin),
        "lmer(diameter ~ 1 + (1 | plate) + (1 | sample), Penicillin)")

# --- further lme4 checks of fit_mixed (tests/unit/test_fit.py) ---------------------------------
put_fit("orthodont.rs.reml", lmer(distance ~ age + Sex + (age | Subject), Orthodont), "lmer(distance ~ age + Sex + (age | Subject), Orthodont)")
put_fit("orthodont.rs.ml", lmer(distance ~ age + Sex + (age | Subject), Orthodont, REML = FALSE), "same, REML = FALSE")
put_fit("machines.nested.reml", lmer(score ~ Machine + (1 | Worker) + (1 | Worker:Machine), Machines),
        "lmer(score ~ Machine + (1 | Worker) + (1 | Worker:Machine), Machines)")
put_fit("oxboys.rs.ml", lmer(height ~ age + (age | Subject), Oxboys, REML = FALSE), "lmer(height ~ age + (age | Subject), Oxboys, REML = FALSE)")
put_fit("gcsemv.ri.ml", lmer(written ~ gender + (1 | school), Gcsemv, REML = FALSE), "lmer(written ~ gender + (1 | school), Gcsemv, REML = FALSE)")
put_fit("rail.ri.reml", lmer(travel ~ 1 + (1 | Rail), Rail), "lmer(travel ~ 1 + (1 | Rail), Rail)")
put_fit("cake.ri.reml", lmer(angle ~ recipe + temp + (1 | recipe:replicate), cake), "lmer(angle ~ recipe + temp + (1 | recipe:replicate), cake)")
bw <- suppressWarnings(lmer(weight ~ Time * Diet + (Time | Rat), BodyWeight))
put("bodyweight.rs.reml.loglik", "lmer(weight ~ Time * Diet + (Time | Rat), BodyWeight) (lme4 warns)", "REML log-likelihood", as.numeric(logLik(bw)))
early <- suppressMessages(lmer(cog ~ age + trt + (age | id), Early, REML = FALSE))
put_fit("early.rs.ml", early, "lmer(cog ~ age + trt + (age | id), Early, REML = FALSE) (singular)")

# --- the course's schools data (data/schools.csv) ---------------------------------------------
sch <- read.csv("data/schools.csv")
sch$StudentGender <- factor(sch$StudentGender, levels = c("Female", "Male"))
sch$age16 <- sch$StudentAge - 16
s_ri <- lmer(ExamScore ~ SchoolQuality + StudentGender + StudentAge + (1 | SchoolID), sch)
s_rs <- suppressMessages(lmer(ExamScore ~ SchoolQuality + StudentGender + StudentAge + (StudentGender | SchoolID), sch))
s_ml <- update(s_ri, REML = FALSE)
s_age <- lmer(ExamScore ~ SchoolQuality + StudentGender + age16 + (age16 | SchoolID), sch)
put_fit("schools.ri.reml", s_ri, "lmer(ExamScore ~ SchoolQuality + StudentGender + StudentAge + (1 | SchoolID))")
put_fit("schools.gender_rs.reml", s_rs, "same with (StudentGender | SchoolID) (singular)")
put_fit("schools.ri.ml", s_ml, "the random-intercept model, REML = FALSE")
put_fit("schools.age_rs.reml", s_age, "lmer(ExamScore ~ SchoolQuality + StudentGender + age16 + (age16 | SchoolID))")
asr <- anova(s_ri, s_rs, refit = FALSE)
put("schools.anova.ri_gender_rs.chisq", "anova(s_ri, s_rs, refit = FALSE)", "LR statistic, REML fits", asr$Chisq[2])
put("schools.anova.ri_gender_rs.mixture_p", "anova(s_ri, s_rs, refit = FALSE) statistic", "p-value under 0.5 chi2(1) + 0.5 chi2(2)", mixture_p(asr$Chisq[2], 2))

out <- do.call(rbind, rows)
stopifnot(!anyDuplicated(out$id))
write.csv(out, "tests/reference/lme4_chapters.csv", row.names = FALSE, quote = TRUE)
cat(nrow(out), "values written to tests/reference/lme4_chapters.csv\n")
