// The live page: any graphql-ws client would do the same. No framework, no build step.
(function () {
  'use strict';
  const endpoint = new URL('/graphql', location.href);
  const socketUrl = endpoint.href.replace(/^http/, 'ws');
  const $ = (id) => document.getElementById(id);

  const ROOMS = 'query LiveRooms { dashboard(first: 100) { edges { node { roomId name city } } } }';
  const ROW_FIELDS =
    'roomId name city status reviewCount averageRating revenue { amount currency } ' +
    'reservationCounts { pending confirmed rejected cancelled } lastReservationStatus lastPaymentStatus updatedAt';
  const ROW = `query LiveRow($roomId: ID!) { roomDashboard(roomId: $roomId) { ${ROW_FIELDS} } }`;
  const ROW_CHANGED = `subscription LiveRowChanged($roomId: ID) { dashboardUpdated(roomId: $roomId) { ${ROW_FIELDS} } }`;
  const RESERVATION_CHANGED =
    'subscription LiveReservations($roomId: ID) { reservationStatusChanged(roomId: $roomId) ' +
    '{ id guestId checkIn checkOut status updatedAt } }';

  let client;
  let stops = [];

  /** A query over HTTP, as any client sends it. */
  async function query(text, variables) {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${$('token').value.trim()}` },
      body: JSON.stringify({ query: text, variables }),
    });
    const body = await response.json();
    if (body.errors) throw new Error(body.errors.map((error) => error.message).join('; '));
    return body.data;
  }

  function showConnection(state, text) {
    $('connection').dataset.state = state;
    $('connection').textContent = text;
  }

  function showRow(row) {
    const money = (value) => `${(value.amount / 100).toFixed(2)} ${value.currency}`;
    const entries = row
      ? [
          ['Room', `${row.name}, ${row.city} (${row.status})`],
          ['Pending', row.reservationCounts.pending],
          ['Confirmed', row.reservationCounts.confirmed],
          ['Rejected', row.reservationCounts.rejected],
          ['Cancelled', row.reservationCounts.cancelled],
          ['Revenue', money(row.revenue)],
          [
            'Reviews',
            `${row.reviewCount}${row.averageRating === null ? '' : `, ${row.averageRating.toFixed(1)} on average`}`,
          ],
          ['Last reservation', row.lastReservationStatus || '–'],
          ['Last payment', row.lastPaymentStatus || '–'],
          ['Updated', new Date(row.updatedAt).toLocaleString()],
        ]
      : [['Row', 'none yet']];
    $('dashboard').replaceChildren(
      ...entries.flatMap(([name, value]) => {
        const term = document.createElement('dt');
        term.textContent = name;
        const description = document.createElement('dd');
        description.textContent = String(value);
        description.dataset.field = name;
        return [term, description];
      }),
    );
    $('dashboard').classList.remove('changed');
    void $('dashboard').offsetWidth;
    $('dashboard').classList.add('changed');
  }

  function showReservation(reservation) {
    let row = document.querySelector(`tr[data-id="${CSS.escape(reservation.id)}"]`);
    if (!row) {
      row = document.createElement('tr');
      row.dataset.id = reservation.id;
      $('reservations').prepend(row);
    }
    row.dataset.status = reservation.status;
    row.replaceChildren(
      ...[
        reservation.id,
        reservation.guestId,
        `${reservation.checkIn} → ${reservation.checkOut}`,
        reservation.status,
        new Date(reservation.updatedAt).toLocaleTimeString(),
      ].map((text) => {
        const cell = document.createElement('td');
        cell.textContent = text;
        return cell;
      }),
    );
    row.classList.remove('changed');
    void row.offsetWidth;
    row.classList.add('changed');
  }

  async function listRooms() {
    try {
      const data = await query(ROOMS, {});
      const rooms = data.dashboard.edges.map((edge) => edge.node);
      const chosen = new URLSearchParams(location.search).get('room') || $('room').value;
      $('room').replaceChildren(
        ...rooms.map((room) => {
          const option = document.createElement('option');
          option.value = room.roomId;
          option.textContent = `${room.name}, ${room.city}`;
          option.selected = room.roomId === chosen;
          return option;
        }),
      );
    } catch (error) {
      showConnection('error', `Could not list rooms: ${error.message}`);
    }
  }

  function follow(roomId) {
    for (const stop of stops) stop();
    stops = [];
    client?.dispose();
    $('reservations').replaceChildren();
    const token = $('token').value.trim();
    client = graphqlWs.createClient({
      url: socketUrl,
      connectionParams: { authorization: `Bearer ${token}` },
      lazy: false,
      // Reconnect whatever happened (a router restart, a network blip), backing off up to 10 s.
      retryAttempts: Infinity,
      shouldRetry: () => true,
      retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 250 * 2 ** retries))),
      on: {
        connected: () => {
          showConnection('connected', 'Connected: changes appear as they happen.');
          // Whatever changed while the connection was down shows up in the row at once.
          query(ROW, { roomId }).then(
            (data) => showRow(data.roomDashboard),
            () => undefined,
          );
        },
        closed: (event) =>
          showConnection(
            'reconnecting',
            `Connection lost (${event.code || 'no code'} ${event.reason || ''}); reconnecting…`,
          ),
      },
    });
    // A router that stops completes its subscriptions before it goes; following a room means
    // subscribing again, once the client has reconnected (graphql-ws queues the request until then).
    const subscribe = (text, onData) => {
      let stopped = false;
      let stopCurrent = () => undefined;
      const start = () => {
        if (stopped) return;
        stopCurrent = client.subscribe(
          { query: text, variables: { roomId } },
          {
            next: (result) => (result.errors ? showConnection('error', result.errors[0].message) : onData(result.data)),
            error: (error) =>
              showConnection(
                'error',
                Array.isArray(error) ? error.map((item) => item.message).join('; ') : String(error.reason || error),
              ),
            complete: () => setTimeout(start, 250),
          },
        );
      };
      start();
      stops.push(() => {
        stopped = true;
        stopCurrent();
      });
    };
    subscribe(ROW_CHANGED, (data) => showRow(data.dashboardUpdated));
    subscribe(RESERVATION_CHANGED, (data) => showReservation(data.reservationStatusChanged));
  }

  $('token').addEventListener('change', listRooms);
  $('follow').addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!$('room').value) await listRooms();
    if ($('room').value) follow($('room').value);
  });
})();
