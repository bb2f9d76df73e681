// Progressive enhancement only: every page works without script.
document.documentElement.classList.remove("no-js");
