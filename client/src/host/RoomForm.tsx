import { useMutation, useQuery } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { Link, useLocation } from 'wouter';
import { amountText, parseAmount } from '../format/money';
import { graphql } from '../gql';
import { ErrorNotice, Loading } from '../ui/States';

const ROOM_TO_EDIT = graphql(`
  query RoomToEdit($id: ID!) {
    room(id: $id) {
      id
      name
      description
      city
      capacity
      amenities
      pricePerNight {
        amount
        currency
      }
    }
  }
`);

const REGISTER_ROOM = graphql(`
  mutation RegisterRoom($input: RegisterRoomInput!) {
    registerRoom(input: $input) {
      id
    }
  }
`);

const UPDATE_ROOM = graphql(`
  mutation UpdateRoom($id: ID!, $input: UpdateRoomInput!) {
    updateRoom(id: $id, input: $input) {
      id
      name
      description
      city
      capacity
      amenities
      pricePerNight {
        amount
        currency
      }
    }
  }
`);

const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'JPY'];

interface Draft {
  name: string;
  description: string;
  city: string;
  capacity: string;
  price: string;
  currency: string;
  amenities: string;
}

const EMPTY: Draft = { name: '', description: '', city: '', capacity: '2', price: '', currency: 'EUR', amenities: '' };

/** Register a room (no id) or edit one of the host's. */
export function RoomForm({ id }: { readonly id?: string }) {
  const existing = useQuery(ROOM_TO_EDIT, { variables: { id: id ?? '' }, skip: !id, fetchPolicy: 'network-only' });
  if (id && existing.loading) return <Loading what="the room" />;
  if (id && existing.error) return <ErrorNotice error={existing.error} />;
  const room = existing.data?.room;
  const initial: Draft = room
    ? {
        name: room.name,
        description: room.description ?? '',
        city: room.city,
        capacity: String(room.capacity),
        price: amountText(room.pricePerNight),
        currency: room.pricePerNight.currency,
        amenities: room.amenities.join(', '),
      }
    : EMPTY;
  return <RoomFields key={room?.id ?? 'new'} id={id} initial={initial} />;
}

function RoomFields({ id, initial }: { readonly id: string | undefined; readonly initial: Draft }) {
  const [, navigate] = useLocation();
  const [draft, setDraft] = useState<Draft>(initial);
  const [problem, setProblem] = useState<string>();
  const [register, registering] = useMutation(REGISTER_ROOM, { refetchQueries: ['HostDashboard'] });
  const [update, updating] = useMutation(UPDATE_ROOM);
  const field = (name: keyof Draft) => ({
    id: `room-${name}`,
    value: draft[name],
    onChange: (event: { target: { value: string } }) => setDraft({ ...draft, [name]: event.target.value }),
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const amount = parseAmount(draft.price, draft.currency);
    if (amount === undefined || amount <= 0) {
      setProblem('The price per night must be an amount above zero, such as 90 or 89.50.');
      return;
    }
    setProblem(undefined);
    const input = {
      name: draft.name.trim(),
      description: draft.description.trim() || undefined,
      city: draft.city.trim(),
      capacity: Number(draft.capacity),
      pricePerNight: { amount, currency: draft.currency },
      amenities: draft.amenities
        .split(',')
        .map((amenity) => amenity.trim())
        .filter(Boolean),
    };
    const done = id
      ? await update({ variables: { id, input } }).catch(() => undefined)
      : await register({ variables: { input } }).catch(() => undefined);
    if (done?.data) navigate('/host');
  };

  const error = registering.error ?? updating.error;
  const busy = registering.loading || updating.loading;
  return (
    <section aria-labelledby="room-form-title">
      <p>
        <Link href="/host">← Your rooms</Link>
      </p>
      <h1 id="room-form-title">{id ? 'Edit room' : 'Register a room'}</h1>
      <form className="stacked" onSubmit={(event) => void submit(event)} aria-labelledby="room-form-title">
        <div className="field">
          <label htmlFor="room-name">Name</label>
          <input {...field('name')} required maxLength={120} />
        </div>
        <div className="field">
          <label htmlFor="room-description">Description (optional)</label>
          <textarea {...field('description')} rows={4} maxLength={2000} />
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor="room-city">City</label>
            <input {...field('city')} required maxLength={80} autoComplete="address-level2" />
          </div>
          <div className="field field-narrow">
            <label htmlFor="room-capacity">Guests</label>
            <input {...field('capacity')} type="number" required min={1} max={50} />
          </div>
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor="room-price">Price per night</label>
            <input {...field('price')} required inputMode="decimal" placeholder="90.00" />
          </div>
          <div className="field field-narrow">
            <label htmlFor="room-currency">Currency</label>
            <select {...field('currency')}>
              {CURRENCIES.map((currency) => (
                <option key={currency}>{currency}</option>
              ))}
            </select>
          </div>
        </div>
        <div className="field">
          <label htmlFor="room-amenities">Amenities</label>
          <input {...field('amenities')} aria-describedby="room-amenities-hint" />
          <p id="room-amenities-hint" className="hint">
            Separated by commas, such as: wifi, kitchen, balcony.
          </p>
        </div>
        {problem && (
          <p className="notice notice-error" role="alert">
            {problem}
          </p>
        )}
        <ErrorNotice error={error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Saving…' : id ? 'Save changes' : 'Register room'}
          </button>
          <Link href="/host" className="button">
            Cancel
          </Link>
        </div>
      </form>
    </section>
  );
}
