// The notes page, with no framework and no build step. It lists notes with
// GET /api/notes, a page at a time ("More" follows nextCursor), and adds
// one with POST /api/notes. Text from the API is only ever set with
// textContent, so a note is never parsed as HTML.
(function () {
  'use strict';

  // Root-relative: the page may be served for a deep link (/notes/abc).
  var API = '/api/notes';
  var PAGE_SIZE = 20;

  // listURL is the URL of the page after cursor ('' for the first).
  function listURL(cursor) {
    var q = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (cursor) {
      q.set('cursor', cursor);
    }
    return API + '?' + q.toString();
  }

  // errorMessage is what to show for a failed response: the API's own
  // {"error": "..."} when it sent one.
  function errorMessage(status, body) {
    if (body && typeof body.error === 'string' && body.error !== '') {
      return body.error;
    }
    return 'The server answered HTTP ' + status + '. Try again.';
  }

  // formatDate shows an RFC 3339 time in the reader's locale, or as it is
  // when it does not parse.
  function formatDate(iso) {
    var d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
  }

  // request fetches url and returns its JSON body, or throws an Error with
  // a message fit to show. An answer that is not JSON (such as the page
  // itself, which the CDN serves for unknown paths) is an error too.
  async function request(url, init) {
    var res;
    try {
      res = await fetch(url, init);
    } catch (e) {
      throw new Error('The server could not be reached. Check the connection and try again.');
    }
    var type = (res.headers.get('Content-Type') || '').split(';')[0].trim();
    var body = null;
    if (type === 'application/json') {
      try {
        body = await res.json();
      } catch (e) {
        body = null;
      }
    }
    if (!res.ok) {
      throw new Error(errorMessage(res.status, body));
    }
    if (body === null || typeof body !== 'object') {
      throw new Error('The server sent an unexpected answer (HTTP ' + res.status + ').');
    }
    return body;
  }

  // noteItem is the list item of one note.
  function noteItem(note) {
    var li = document.createElement('li');
    li.className = 'note';
    var text = document.createElement('p');
    text.className = 'note-text';
    text.textContent = typeof note.text === 'string' ? note.text : '';
    li.appendChild(text);
    if (typeof note.createdAt === 'string') {
      var time = document.createElement('time');
      time.className = 'note-date';
      time.dateTime = note.createdAt;
      time.textContent = formatDate(note.createdAt);
      li.appendChild(time);
    }
    return li;
  }

  var form = document.getElementById('new-note');
  var input = document.getElementById('note-text');
  var add = document.getElementById('add');
  var list = document.getElementById('notes');
  var more = document.getElementById('more');
  var status = document.getElementById('status');
  var error = document.getElementById('error');

  var cursor = '';
  var loading = false;

  function showError(message) {
    error.textContent = message;
    error.hidden = false;
  }

  function clearError() {
    error.textContent = '';
    error.hidden = true;
  }

  function showEmpty() {
    status.textContent = list.children.length === 0 ? 'No notes yet.' : '';
  }

  // loadPage loads the first page (reset) or the one after cursor.
  async function loadPage(reset) {
    if (loading) {
      return;
    }
    loading = true;
    more.disabled = true;
    list.setAttribute('aria-busy', 'true');
    if (reset) {
      status.textContent = 'Loading…';
    }
    try {
      var body = await request(listURL(reset ? '' : cursor), {
        headers: { Accept: 'application/json' },
        cache: 'no-store',
      });
      if (!Array.isArray(body.notes)) {
        throw new Error('The server sent an unexpected answer.');
      }
      clearError();
      if (reset) {
        list.replaceChildren();
      }
      body.notes.forEach(function (note) {
        list.appendChild(noteItem(note));
      });
      cursor = typeof body.nextCursor === 'string' ? body.nextCursor : '';
      more.hidden = cursor === '';
      showEmpty();
    } catch (e) {
      status.textContent = '';
      showError(e.message);
    } finally {
      loading = false;
      more.disabled = false;
      list.removeAttribute('aria-busy');
    }
  }

  // addNote posts the form's text and shows the new note first.
  async function addNote(event) {
    event.preventDefault();
    var text = input.value.trim();
    if (text === '') {
      showError('Write something first.');
      input.focus();
      return;
    }
    add.disabled = true;
    try {
      var note = await request(API, {
        method: 'POST',
        headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
        body: JSON.stringify({ text: text }),
        cache: 'no-store',
      });
      clearError();
      list.insertBefore(noteItem(note), list.firstChild);
      input.value = '';
      showEmpty();
    } catch (e) {
      showError(e.message);
    } finally {
      add.disabled = false;
    }
  }

  form.addEventListener('submit', addNote);
  input.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      form.requestSubmit();
    }
  });
  more.addEventListener('click', function () {
    loadPage(false);
  });
  add.disabled = false;
  loadPage(true);
})();
