// chainrule's step-through player: one frame of the chain rule at a time.
//
// Every .chainrule-player element holds the chain-rule graph (inline SVG whose parts carry
// ids, see autograd/viz.py), the controls, the list of frames, and its data as JSON:
//   {start: frame, frames: [frame, ...]},
//   frame = {kind, where, text, texts, exact, lit, marks, story}
// `texts` maps an element id to the text it shows from that frame on, `exact` maps a
// number's field to its value as a float's repr (kept in the field's data-value
// attribute), `lit` lists the edges and boxes lit up, `marks` the numbers the frame is
// about and `story` which of the derivation's quantities it computes. The state at frame
// k is `start` with frames 0..k applied, so any frame can be shown at once. The picture
// is shown at reading size and scrolled to keep the lit edge in view; "size" fits it all.
(function () {
  "use strict";

  var PLAY_INTERVAL_MS = 900;

  function setUp(player) {
    var data = JSON.parse(player.querySelector(".cr-data").textContent);
    var frames = data.frames;
    var elements = {};
    player.querySelectorAll(".cr-graph [id]").forEach(function (element) {
      elements[element.id] = element;
    });
    var slider = player.querySelector(".cr-slider");
    var counter = player.querySelector(".cr-count");
    var line = player.querySelector(".cr-text");
    var story = player.querySelector(".cr-story");
    var graph = player.querySelector(".cr-graph");
    var list = player.querySelector(".cr-steps");
    var items = list.querySelectorAll("li");
    var playButton = player.querySelector('[data-action="play"]');
    var current = 0;
    var timer = null;

    function apply(frame) {
      Object.keys(frame.texts).forEach(function (id) {
        elements[id].textContent = frame.texts[id];
      });
      Object.keys(frame.exact).forEach(function (id) {
        elements[id].setAttribute("data-value", frame.exact[id]);
      });
    }

    function mark(ids, name) {
      ids.forEach(function (id) {
        elements[id].classList.add(name);
      });
    }

    function show(k) {
      current = Math.max(0, Math.min(frames.length - 1, k));
      player.querySelectorAll(".cr-lit, .cr-mark, .cr-done").forEach(function (element) {
        element.classList.remove("cr-lit", "cr-mark", "cr-done");
      });
      apply(data.start);
      for (var i = 0; i <= current; i++) {
        apply(frames[i]);
        if (i < current && frames[i].kind === "backward") {
          elements[frames[i].lit[0]].classList.add("cr-done");  // the edge already used
        }
      }
      mark(frames[current].lit, "cr-lit");
      mark(frames[current].marks, "cr-mark");
      line.textContent = frames[current].text;
      story.textContent = frames[current].story;
      keepInView(frames[current].lit);
      counter.textContent = frames[current].where;
      slider.value = current;
      player.setAttribute("data-frame", current);
      items.forEach(function (item, index) {
        item.classList.toggle("cr-current", index === current);
      });
      var item = items[current];
      if (item.offsetTop < list.scrollTop ||
          item.offsetTop + item.offsetHeight > list.scrollTop + list.clientHeight) {
        list.scrollTop = item.offsetTop - list.clientHeight / 2;
      }
    }

    // Scroll the picture so what the frame lights is in view: all of it when it fits,
    // else its first part (a step's edge); in the middle when it has to move. The page
    // itself does not scroll.
    function keepInView(ids) {
      var boxes = ids.filter(function (id) { return elements[id]; }).map(function (id) {
        return elements[id].getBoundingClientRect();
      });
      if (!boxes.length) {
        return;
      }
      var view = graph.getBoundingClientRect(), margin = 24;
      var all = boxes.reduce(function (a, b) {
        return {left: Math.min(a.left, b.left), right: Math.max(a.right, b.right),
                top: Math.min(a.top, b.top), bottom: Math.max(a.bottom, b.bottom)};
      });
      var fits = all.right - all.left <= view.width - 2 * margin &&
        all.bottom - all.top <= view.height - 2 * margin;
      var box = fits ? all : boxes[0];
      if (box.left < view.left + margin || box.right > view.right - margin) {
        graph.scrollLeft += (box.left + box.right) / 2 - (view.left + view.right) / 2;
      }
      if (box.top < view.top + margin || box.bottom > view.bottom - margin) {
        graph.scrollTop += (box.top + box.bottom) / 2 - (view.top + view.bottom) / 2;
      }
    }

    function pause() {
      if (timer !== null) {
        clearInterval(timer);
        timer = null;
      }
      playButton.textContent = "▶ play";
      playButton.setAttribute("aria-pressed", "false");
    }

    function play() {
      if (current === frames.length - 1) {
        show(0);
      }
      playButton.textContent = "❚❚ pause";
      playButton.setAttribute("aria-pressed", "true");
      timer = setInterval(function () {
        show(current + 1);
        if (current === frames.length - 1) {
          pause();  // stop on the last frame, which shows the engine's .grad
        }
      }, PLAY_INTERVAL_MS);
    }

    var actions = {
      first: function () { show(0); },
      previous: function () { show(current - 1); },
      play: function () { if (timer === null) { play(); } else { pause(); } },
      next: function () { show(current + 1); },
      last: function () { show(frames.length - 1); },
      zoom: function () {
        graph.classList.toggle("cr-fit");
        keepInView(frames[current].lit);
      },
    };
    var keys = {
      ArrowRight: "next", ArrowDown: "next", ArrowLeft: "previous", ArrowUp: "previous",
      Home: "first", End: "last", " ": "play",
    };

    player.querySelectorAll("[data-action]").forEach(function (button) {
      button.addEventListener("click", function () {
        if (button.dataset.action !== "play" && button.dataset.action !== "zoom") {
          pause();
        }
        actions[button.dataset.action]();
      });
    });
    slider.addEventListener("input", function () {
      pause();
      show(Number(slider.value));
    });
    items.forEach(function (item, index) {
      item.addEventListener("click", function () {
        pause();
        show(index);
      });
    });

    function onKey(event) {
      var action = keys[event.key];
      if (!action || event.target === slider || event.altKey || event.ctrlKey ||
          event.metaKey) {
        return;  // the slider moves itself with the arrow keys
      }
      event.preventDefault();
      if (action !== "play") {
        pause();
      }
      actions[action]();
    }
    player.addEventListener("keydown", onKey);
    if (document.body.classList.contains("cr-page")) {  // a page of its own: keys anywhere
      document.addEventListener("keydown", function (event) {
        if (!player.contains(event.target)) {
          onKey(event);
        }
      });
    }
    player.setAttribute("data-ready", "true");
    show(0);
  }

  document.querySelectorAll(".chainrule-player:not([data-ready])").forEach(setUp);
})();
