// Self-check quizzes (<div class="quiz">: a question, then one <details> per answer whose
// feedback starts "Right" for the right answer). Opening an answer marks it right or wrong
// by colour, an icon and words a screen reader says ("Right answer." / "Wrong answer."),
// and each quiz (a run of consecutive questions) keeps a score of questions answered
// right at the first try. Plain HTML without this script (the notebooks) still works:
// the feedback says "Right" or why not.
(function () {
  function isRight(details) {
    var feedback = details.querySelector(":scope > summary + *");
    return Boolean(feedback) && /^\s*(Right|Correct)\b/.test(feedback.textContent);
  }

  function mark(details) {
    var right = isRight(details);
    details.classList.add(right ? "quiz-right" : "quiz-wrong");
    var summary = details.querySelector(":scope > summary");
    if (!summary || summary.querySelector(".quiz-mark")) return;
    var icon = document.createElement("span");
    icon.className = "quiz-mark";
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = right ? "\u2713" : "\u2717";
    var words = document.createElement("span");
    words.className = "visually-hidden quiz-mark-text";
    words.textContent = right ? "Right answer. " : "Wrong answer. ";
    summary.insertBefore(words, summary.firstChild);
    summary.insertBefore(icon, summary.firstChild);
  }

  function groups() {
    var out = [];
    document.querySelectorAll("div.quiz").forEach(function (quiz) {
      var last = out[out.length - 1];
      var prev = quiz.previousElementSibling;
      if (last && prev && last[last.length - 1] === prev) last.push(quiz);
      else out.push([quiz]);
    });
    return out;
  }

  function setup() {
    groups().forEach(function (questions) {
      var score = document.createElement("p");
      score.className = "quiz-score";
      score.setAttribute("role", "status");
      score.setAttribute("aria-live", "polite");
      questions[questions.length - 1].insertAdjacentElement("afterend", score);
      var first = new Map();  // question -> right at the first try?
      function update() {
        var right = 0;
        first.forEach(function (ok) { if (ok) right += 1; });
        score.textContent = "Score: " + right + " of " + questions.length +
          " right at the first try (" + first.size + " of " + questions.length + " answered).";
        score.dataset.right = String(right);
        score.dataset.answered = String(first.size);
      }
      questions.forEach(function (question) {
        question.querySelectorAll(":scope > details").forEach(function (details) {
          details.addEventListener("toggle", function () {
            if (!details.open) return;
            mark(details);
            if (!first.has(question)) { first.set(question, isRight(details)); update(); }
          });
        });
      });
      update();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
