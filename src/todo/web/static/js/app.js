// The task page with JavaScript: every change applies in place at once and is queued for the
// server (see queue.js); filters, sorting and "Load more" fetch the server's own page and take
// the list from it. Nothing here ever re-renders the .new-todo input or an item being edited.

import { WriteQueue, newId } from './queue.js';

const app = document.querySelector('.todoapp');
if (app) start(app);

function start(app) {
  const $ = (selector) => app.querySelector(selector);
  const els = {
    newForm: $('.new-todo-form'),
    newTodo: $('.new-todo'),
    flash: $('.flash'),
    main: $('.main'),
    toggleAll: $('.toggle-all'),
    list: $('.todo-list'),
    paging: $('.paging'),
    footer: $('.footer'),
    count: $('.todo-count'),
    filters: $('.filters'),
    clear: $('.clear-completed'),
    sortForm: $('.sort-form'),
    template: document.getElementById('todo-template'),
  };
  const state = {
    total: Number(app.dataset.total),
    completed: Number(app.dataset.completed),
    view: app.dataset.view,
    sort: app.dataset.sort,
    order: app.dataset.order,
    needsResync: false,
    signedOut: false,
    navigation: 0,
  };
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  let serverCounts = null;

  const queue = new WriteQueue({
    url: '/tasks/batch',
    csrfToken,
    storageKey: `todo.unsaved.${app.dataset.user}`,
    onResult(ops, body) {
      serverCounts = body.counts;
      const failures = (body.errors || []).filter(Boolean);
      if (failures.length) {
        showFlash(`Some changes were not saved: ${failures[0].message}`);
        state.needsResync = true;
      }
    },
    onError(error) {
      if (error.status === 401) {
        state.signedOut = true;
        showFlash('You have been signed out, so your last changes were not saved. Reload to sign in again.');
      } else {
        showFlash(`Your last changes could not be saved: ${error.message}`);
        state.needsResync = true;
      }
    },
    onIdle() {
      if (state.signedOut) return;
      if (state.needsResync) {
        state.needsResync = false;
        go(window.location.href, { push: false });
      } else if (serverCounts) {
        state.total = serverCounts.total;
        state.completed = serverCounts.completed;
        render();
      }
    },
  });

  // ---- what the page shows -------------------------------------------------------------

  function render() {
    const empty = state.total === 0;
    els.main.hidden = empty;
    els.footer.hidden = empty;
    els.sortForm.hidden = empty;
    const active = state.total - state.completed;
    const strong = document.createElement('strong');
    strong.textContent = String(active);
    els.count.replaceChildren(strong, ` ${active === 1 ? 'item' : 'items'} left`);
    els.clear.hidden = state.completed === 0;
    els.toggleAll.checked = !empty && state.completed === state.total;
  }

  function showFlash(message) {
    els.flash.textContent = message;
    els.flash.hidden = false;
  }

  function hideFlash() {
    els.flash.hidden = true;
    els.flash.textContent = '';
  }

  function shows(completed) {
    return state.view === 'all' || (state.view === 'completed') === completed;
  }

  function titleOf(li) {
    return li.querySelector('label').textContent;
  }

  function setTitle(li, title) {
    li.querySelector('label').textContent = title;
    li.querySelector('.edit').value = title;
    li.querySelector('.toggle').setAttribute('aria-label', `Toggle ${title}`);
  }

  function setCompletedLook(li, completed) {
    li.classList.toggle('completed', completed);
    li.querySelector('.toggle').checked = completed;
  }

  function newItem(id, title) {
    const li = els.template.content.firstElementChild.cloneNode(true);
    li.dataset.id = id;
    li.querySelector('.view').action = `/tasks/${id}`;
    li.querySelector('.destroy').setAttribute('formaction', `/tasks/${id}/delete`);
    const details = li.querySelector('.details');
    details.href = details.getAttribute('href').replace('/tasks//', `/tasks/${id}/`);
    setTitle(li, title);
    return li;
  }

  function hasMorePages() {
    return els.paging.querySelector('.load-more') !== null;
  }

  // Where a new task goes in the loaded part of the list; null when it belongs further down,
  // in a page not loaded yet (it will arrive with that page).
  function placeOf(title) {
    const items = Array.from(els.list.children);
    const newestFirst = state.order === 'desc';
    if (state.sort !== 'title') {
      if (newestFirst) return { before: items[0] || null };
      return hasMorePages() ? null : { before: null };
    }
    const key = title.toLowerCase();
    const after = (other) => {
      const otherKey = titleOf(other).toLowerCase();
      return newestFirst ? otherKey < key : otherKey > key;
    };
    const before = items.find(after);
    if (before) return { before };
    return hasMorePages() ? null : { before: null };
  }

  // ---- changes -------------------------------------------------------------------------

  function addTask(title) {
    const id = newId();
    const li = newItem(id, title);
    state.total += 1;
    const place = shows(false) ? placeOf(title) : null;
    if (place) els.list.insertBefore(li, place.before);
    render();
    queue.push({ op: 'create', id, title });
  }

  function setCompleted(li, completed) {
    if (li.classList.contains('completed') === completed) return;
    setCompletedLook(li, completed);
    state.completed += completed ? 1 : -1;
    if (!shows(completed)) li.remove();
    render();
    queue.push({ op: 'update', id: li.dataset.id, completed });
  }

  function destroy(li) {
    if (li.classList.contains('completed')) state.completed -= 1;
    state.total -= 1;
    li.remove();
    render();
    queue.push({ op: 'delete', id: li.dataset.id });
  }

  function setEveryCompleted(completed) {
    for (const li of Array.from(els.list.children)) {
      setCompletedLook(li, completed);
      if (!shows(completed)) li.remove();
    }
    state.completed = completed ? state.total : 0;
    render();
    queue.push({ op: 'set_all', completed });
    if (state.view !== 'all' && hasMorePages()) state.needsResync = true;
  }

  function clearCompleted() {
    for (const li of Array.from(els.list.querySelectorAll('li.completed'))) li.remove();
    state.total -= state.completed;
    state.completed = 0;
    render();
    queue.push({ op: 'clear_completed' });
    if (hasMorePages()) state.needsResync = true;
  }

  // ---- editing in place ----------------------------------------------------------------

  function startEditing(li) {
    const input = li.querySelector('.edit');
    li.classList.add('editing');
    input.value = titleOf(li);
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }

  function stopEditing(li, save) {
    if (!li.classList.contains('editing')) return;
    li.classList.remove('editing');
    const input = li.querySelector('.edit');
    const title = input.value.trim();
    if (!save || title === titleOf(li)) {
      input.value = titleOf(li);
      return;
    }
    if (!title) {
      destroy(li);
      return;
    }
    setTitle(li, title);
    queue.push({ op: 'update', id: li.dataset.id, title });
  }

  // ---- quick add -----------------------------------------------------------------------

  const preview = document.getElementById('quick-add-preview');
  let previewTimer = null;
  let lastRead = { text: null, result: null };

  // Whether the server might read a part off the end of the line: its last word (not its
  // first) could end a date, a time, a priority or a tag. Only a hint, to keep plain titles
  // instant; what is understood is always the server's reading.
  const PART_END =
    /^(?:[#!]\S|\d|am$|pm$|noon$|today$|tomorrow$|(?:mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*$)/i;
  function mayHaveParts(text) {
    const words = text.split(/\s+/);
    return words.length > 1 && PART_END.test(words[words.length - 1]);
  }

  async function readQuickAdd(text) {
    if (lastRead.text === text) return lastRead.result;
    const response = await fetch(`/tasks/quick-add?text=${encodeURIComponent(text)}`, {
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    });
    if (!response.ok) throw new Error(`The server answered ${response.status}.`);
    const result = await response.json();
    lastRead = { text, result };
    return result;
  }

  // What the line will be saved as, under the input while typing (nothing for a plain title).
  function showPreview(text, result, prefix = 'Will add') {
    if (prefix === 'Will add' && els.newTodo.value.trim() !== text) return;
    if (!result || !result.understood.length) {
      preview.hidden = true;
      preview.textContent = '';
      return;
    }
    preview.textContent = `${prefix} “${result.title}”: ${result.understood.join(' · ')}.`;
    preview.hidden = false;
  }

  async function addLine(text) {
    let result = null;
    if (mayHaveParts(text)) {
      try {
        result = await readQuickAdd(text);
      } catch {
        result = null; // offline or refused: the plain title still goes into the queue
      }
    }
    if (!result || !result.understood.length) {
      addTask(text);
      return;
    }
    await queue.idle();
    const body = new URLSearchParams({ title: text });
    let response;
    try {
      response = await fetch('/tasks', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { Accept: 'application/json', 'X-CSRF-Token': csrfToken },
        body,
      });
    } catch (error) {
      showFlash(`Could not add the task: ${error.message}`);
      return;
    }
    if (!response.ok) {
      const answer = await response.json().catch(() => null);
      showFlash(`Could not add the task: ${answer?.error?.message || response.status}`);
      return;
    }
    const saved = await response.json();
    showPreview(text, { title: saved.task.title, understood: saved.understood }, 'Added');
    await go(window.location.href, { push: false });
  }

  // ---- loading pages -------------------------------------------------------------------

  async function fetchPage(url) {
    const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
    if (new URL(response.url).pathname === '/sign-in') {
      window.location.assign(response.url);
      return null;
    }
    if (!response.ok) throw new Error(`The server answered ${response.status}.`);
    return new DOMParser().parseFromString(await response.text(), 'text/html').querySelector('.todoapp');
  }

  function adopt(node) {
    return document.importNode(node, true);
  }

  function takeCounts(source) {
    state.total = Number(source.dataset.total);
    state.completed = Number(source.dataset.completed);
  }

  function takeLoadMore(source) {
    const link = source.querySelector('.load-more');
    const old = els.paging.querySelector('.load-more');
    const hadFocus = old && document.activeElement === old;
    if (old) old.remove();
    if (link) {
      const fresh = adopt(link);
      els.paging.append(fresh);
      if (hadFocus) fresh.focus();
    }
    return hadFocus && !link;
  }

  // Show another view (filter or order): the items, paging, footer and sort choice of `url`.
  // The address changes at once, so Back works even while the list is still loading.
  async function go(url, { push }) {
    const ticket = ++state.navigation;
    if (push) window.history.pushState(null, '', url);
    await queue.idle();
    let source;
    try {
      source = await fetchPage(url);
    } catch (error) {
      showFlash(`Could not load the list: ${error.message}`);
      return;
    }
    if (!source || ticket !== state.navigation) return;
    hideFlash();
    Object.assign(state, {
      view: source.dataset.view,
      sort: source.dataset.sort,
      order: source.dataset.order,
    });
    Object.assign(app.dataset, { view: state.view, sort: state.sort, order: state.order });
    takeCounts(source);
    const editing = els.list.querySelector('li.editing');
    const items = Array.from(source.querySelector('.todo-list').children, (li) =>
      editing && li.dataset.id === editing.dataset.id ? editing : adopt(li),
    );
    if (editing && !items.includes(editing)) items.unshift(editing);
    els.list.replaceChildren(...items);
    els.paging.replaceChildren(...Array.from(source.querySelector('.paging').children, adopt));
    const path = new URL(url, window.location.href).pathname;
    for (const link of els.filters.querySelectorAll('a')) {
      const current = new URL(link.href).pathname === path;
      link.className = current ? 'selected' : '';
      if (current) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    els.sortForm.action = source.querySelector('.sort-form').getAttribute('action');
    els.sortForm.elements.sort.value = state.sort;
    els.sortForm.elements.order.value = state.order;
    render();
  }

  async function loadMore(link) {
    await queue.idle();
    let source;
    try {
      source = await fetchPage(link.href);
    } catch (error) {
      showFlash(`Could not load more tasks: ${error.message}`);
      return;
    }
    if (!source) return;
    takeCounts(source);
    const added = [];
    for (const li of source.querySelector('.todo-list').children) {
      if (!els.list.querySelector(`li[data-id="${li.dataset.id}"]`)) added.push(adopt(li));
    }
    els.list.append(...added);
    if (takeLoadMore(source) && added.length) added[0].querySelector('.toggle').focus();
    render();
  }

  function sortUrl() {
    const url = new URL(els.sortForm.action, window.location.href);
    url.search = new URLSearchParams(new FormData(els.sortForm)).toString();
    return url.href;
  }

  // ---- wiring --------------------------------------------------------------------------

  const plainClick = (event) =>
    event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;

  // A line that ends in a date, priority or tags goes to the server's quick add (the one
  // parser), and the list is then reloaded; any other line is added in place at once. Lines
  // are added in the order typed, whatever answers first.
  let adding = null; // the quick adds still being saved, in order
  els.newForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = els.newTodo.value.trim();
    if (!text) return;
    els.newTodo.value = '';
    showPreview('', null);
    if (!adding && !mayHaveParts(text)) {
      addTask(text);
      return;
    }
    const done = (adding || Promise.resolve()).then(() => addLine(text));
    adding = done;
    const settle = () => {
      if (adding === done) adding = null;
    };
    done.then(settle, settle);
  });

  els.newTodo.addEventListener('input', () => {
    clearTimeout(previewTimer);
    const text = els.newTodo.value.trim();
    if (!mayHaveParts(text)) {
      showPreview(text, null);
      return;
    }
    previewTimer = setTimeout(() => {
      readQuickAdd(text).then((result) => showPreview(text, result), () => showPreview(text, null));
    }, 120);
  });

  els.list.addEventListener('change', (event) => {
    if (event.target.matches('.toggle')) {
      setCompleted(event.target.closest('li'), event.target.checked);
    }
  });

  els.list.addEventListener('click', (event) => {
    const destroyButton = event.target.closest('.destroy');
    if (destroyButton) {
      event.preventDefault();
      const li = destroyButton.closest('li');
      const neighbour = li.nextElementSibling || li.previousElementSibling;
      destroy(li);
      (neighbour ? neighbour.querySelector('.toggle') : els.newTodo).focus();
      return;
    }
    const details = event.target.closest('.details');
    if (details && plainClick(event) && queue.busy) {
      event.preventDefault();
      queue.idle().then(() => window.location.assign(details.href));
    }
  });

  els.list.addEventListener('dblclick', (event) => {
    const li = event.target.closest('li');
    if (!li || li.classList.contains('editing')) return;
    if (event.target.closest('.toggle, .destroy, .details')) return;
    startEditing(li);
  });

  els.list.addEventListener('keydown', (event) => {
    if (!event.target.matches('.edit')) return;
    const li = event.target.closest('li');
    if (event.key === 'Enter') {
      event.preventDefault();
      stopEditing(li, true);
      if (li.isConnected) li.querySelector('.toggle').focus();
    } else if (event.key === 'Escape') {
      stopEditing(li, false);
      li.querySelector('.toggle').focus();
    }
  });

  // Any blur saves the edit, a focus change or one a script sends (`new Event('blur')`, as
  // TodoMVC's tests do): blur does not bubble, so the list catches it on the way down.
  els.list.addEventListener(
    'blur',
    (event) => {
      if (event.target.matches('.edit')) stopEditing(event.target.closest('li'), true);
    },
    true,
  );

  els.toggleAll.addEventListener('change', () => setEveryCompleted(els.toggleAll.checked));

  els.clear.addEventListener('click', (event) => {
    event.preventDefault();
    clearCompleted();
    els.newTodo.focus();
  });

  els.filters.addEventListener('click', (event) => {
    const link = event.target.closest('a');
    if (!link || !plainClick(event)) return;
    event.preventDefault();
    if (link.href !== window.location.href) go(link.href, { push: true });
  });

  els.paging.addEventListener('click', (event) => {
    const link = event.target.closest('a.load-more');
    if (!link || !plainClick(event)) return;
    event.preventDefault();
    loadMore(link);
  });

  els.sortForm.addEventListener('submit', (event) => {
    event.preventDefault();
    go(sortUrl(), { push: true });
  });
  els.sortForm.addEventListener('change', () => go(sortUrl(), { push: true }));

  window.addEventListener('popstate', () => go(window.location.href, { push: false }));

  // What the last page of this tab left unanswered goes again, then the list is reloaded.
  const unsaved = queue.takeUnsaved();
  if (unsaved.length) {
    state.needsResync = true;
    queue.push(...unsaved);
  }

  // Signing out ends the session the queued changes need: let them land first.
  const signOut = document.querySelector('form[action="/sign-out"]');
  if (signOut) {
    signOut.addEventListener('submit', (event) => {
      if (!queue.busy) return;
      event.preventDefault();
      queue.idle().then(() => signOut.submit());
    });
  }
}
