// NAICS picker: progressive enhancement of a comma-separated code input.
// Without script the input takes plain codes ("561720, 561730"), validated on the server.
// With script, a search box (ARIA 1.2 combobox + listbox) appears under it; choosing a result
// appends its code to the input and to the "primary code" select.
(function () {
  "use strict";
  if (window.naicsPickerLoaded) { return; }
  window.naicsPickerLoaded = true;

  var counter = 0;

  function parseCodes(text) {
    var seen = [];
    (text || "").split(/[\s,;]+/).forEach(function (code) {
      if (code && seen.indexOf(code) === -1) { seen.push(code); }
    });
    return seen;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function enhance(codesInput) {
    var id = "naics-search-" + (++counter);
    var url = codesInput.getAttribute("data-naics-search-url") || "/naics/search";
    var primary = document.getElementById(codesInput.getAttribute("data-naics-primary") || "");
    var group = codesInput.parentNode;
    var titlesList = group.querySelector("[data-naics-titles]");
    var titles = {};
    if (titlesList) {
      Array.prototype.forEach.call(titlesList.querySelectorAll("li[data-code]"), function (item) {
        titles[item.getAttribute("data-code")] = item.getAttribute("data-title") || "";
      });
    }

    var wrapper = el("div", { "class": "naics-picker__search" });
    var label = el("label", { "class": "usa-label", "for": id }, "Search NAICS codes by keyword or number");
    var hint = el("div", { "class": "usa-hint", id: id + "-hint" },
      "Type at least 2 characters, use the arrow keys to move through the results and Enter to add a code.");
    var box = el("div", { "class": "naics-picker__box" });
    var input = el("input", {
      id: id, type: "text", "class": "usa-input", role: "combobox", autocomplete: "off",
      spellcheck: "false", "aria-autocomplete": "list", "aria-expanded": "false",
      "aria-controls": id + "-list", "aria-describedby": id + "-hint"
    });
    var list = el("ul", { id: id + "-list", role: "listbox", "class": "naics-picker__list",
      "aria-label": "Matching NAICS codes" });
    list.hidden = true;
    var status = el("div", { "class": "usa-sr-only", role: "status", "aria-live": "polite" });
    box.appendChild(input);
    box.appendChild(list);
    wrapper.appendChild(label);
    wrapper.appendChild(hint);
    wrapper.appendChild(box);
    wrapper.appendChild(status);
    group.appendChild(wrapper);

    var results = [];
    var active = -1;
    var timer = null;
    var controller = null;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function setActive(index) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) { return; }
      active = (index + options.length) % options.length;
      Array.prototype.forEach.call(options, function (option, i) {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
        option.classList.toggle("naics-picker__option--active", i === active);
      });
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function render(items) {
      results = items;
      list.textContent = "";
      items.forEach(function (item, i) {
        var option = el("li", { id: id + "-option-" + i, role: "option", "aria-selected": "false",
          "class": "naics-picker__option" });
        option.appendChild(el("strong", {}, item.code));
        option.appendChild(document.createTextNode(" " + item.title));
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(item);
        });
        list.appendChild(option);
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
      status.textContent = items.length ? items.length + " results." : "No matching codes.";
    }

    function refreshTitles() {
      if (!titlesList) { return; }
      var codes = parseCodes(codesInput.value);
      titlesList.textContent = "";
      codes.forEach(function (code) {
        var text = code + (titles[code] ? ": " + titles[code] : "");
        titlesList.appendChild(el("li", { "data-code": code, "data-title": titles[code] || "" }, text));
      });
      titlesList.hidden = codes.length === 0;
    }

    function refreshPrimary() {
      refreshTitles();
      if (!primary) { return; }
      var chosen = primary.value;
      var codes = parseCodes(codesInput.value).filter(function (code) { return /^\d{6}$/.test(code); });
      while (primary.options.length > 1) { primary.remove(1); }
      codes.forEach(function (code) {
        var option = el("option", { value: code, "data-title": titles[code] || "" },
          code + (titles[code] ? " " + titles[code] : ""));
        primary.appendChild(option);
      });
      primary.value = codes.indexOf(chosen) === -1 ? "" : chosen;
    }

    function choose(item) {
      var codes = parseCodes(codesInput.value);
      titles[item.code] = item.title;
      if (codes.indexOf(item.code) === -1) {
        codes.push(item.code);
        codesInput.value = codes.join(", ");
        status.textContent = "Added " + item.code + " " + item.title + ".";
      } else {
        status.textContent = item.code + " is already listed.";
      }
      refreshPrimary();
      input.value = "";
      close();
      input.focus();
    }

    function lookup() {
      var query = input.value.trim();
      if (query.length < 2) { close(); return; }
      if (controller) { controller.abort(); }
      controller = window.AbortController ? new AbortController() : null;
      fetch(url + "?q=" + encodeURIComponent(query.slice(0, 200)), {
        credentials: "same-origin", headers: { Accept: "application/json" },
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        return response.ok ? response.json() : [];
      }).then(render).catch(function (error) {
        if (error.name !== "AbortError") { close(); }
      });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookup, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden && results.length) { render(results); }
        setActive(active + 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        setActive(active - 1);
      } else if (event.key === "Enter") {
        if (!list.hidden) {
          event.preventDefault();
          if (active >= 0) { choose(results[active]); }
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); } else { input.value = ""; }
      }
    });
    input.addEventListener("blur", close);
    codesInput.addEventListener("change", refreshPrimary);
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-naics-picker]"), enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
