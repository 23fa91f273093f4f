/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query RoomPage($id: ID!, $checkIn: Date!, $checkOut: Date!) {\n    room(id: $id) {\n      id\n      name\n      description\n      city\n      capacity\n      status\n      amenities\n      pricePerNight {\n        amount\n        currency\n      }\n      averageRating\n      reviewCount\n      isAvailable(checkIn: $checkIn, checkOut: $checkOut)\n      reviews(first: 20) {\n        edges {\n          node {\n            id\n            rating\n            comment\n            authorId\n            createdAt\n          }\n        }\n      }\n    }\n  }\n": typeof types.RoomPageDocument,
    "\n  mutation ReserveRoom($input: ReserveRoomInput!) {\n    reserveRoom(input: $input) {\n      id\n      status\n      statusReason\n    }\n  }\n": typeof types.ReserveRoomDocument,
    "\n  query RoomsForStay($filter: RoomFilter, $checkIn: Date!, $checkOut: Date!) {\n    rooms(filter: $filter, first: 50) {\n      totalCount\n      edges {\n        node {\n          id\n          name\n          city\n          capacity\n          description\n          pricePerNight {\n            amount\n            currency\n          }\n          averageRating\n          reviewCount\n          isAvailable(checkIn: $checkIn, checkOut: $checkOut)\n        }\n      }\n    }\n  }\n": typeof types.RoomsForStayDocument,
    "\n  subscription RoomListChanged {\n    roomChanged {\n      id\n      name\n      city\n      capacity\n      description\n      status\n      pricePerNight {\n        amount\n        currency\n      }\n    }\n  }\n": typeof types.RoomListChangedDocument,
    "\n  query Trip($id: ID!) {\n    reservation(id: $id) {\n      id\n      checkIn\n      checkOut\n      nights\n      guests\n      status\n      statusReason\n      totalPrice {\n        amount\n        currency\n      }\n      history {\n        status\n        at\n        reason\n      }\n      room {\n        id\n        name\n        city\n      }\n      payment {\n        id\n        status\n        failureReason\n        amount {\n          amount\n          currency\n        }\n      }\n    }\n  }\n": typeof types.TripDocument,
    "\n  mutation CancelTrip($id: ID!, $reason: String) {\n    cancelReservation(id: $id, reason: $reason) {\n      id\n      status\n      statusReason\n    }\n  }\n": typeof types.CancelTripDocument,
    "\n  mutation WriteReview($input: WriteReviewInput!) {\n    writeReview(input: $input) {\n      id\n      rating\n      comment\n      room {\n        id\n        averageRating\n        reviewCount\n      }\n    }\n  }\n": typeof types.WriteReviewDocument,
    "\n  query MyTrips {\n    myReservations(first: 50) {\n      totalCount\n      edges {\n        node {\n          id\n          checkIn\n          checkOut\n          nights\n          guests\n          status\n          totalPrice {\n            amount\n            currency\n          }\n          room {\n            id\n            name\n            city\n          }\n          payment {\n            id\n            status\n          }\n        }\n      }\n    }\n  }\n": typeof types.MyTripsDocument,
    "\n  subscription TripStatusChanged($reservationId: ID) {\n    reservationStatusChanged(reservationId: $reservationId) {\n      id\n      status\n      statusReason\n      updatedAt\n      history {\n        status\n        at\n        reason\n      }\n      payment {\n        id\n        status\n        failureReason\n        updatedAt\n      }\n    }\n  }\n": typeof types.TripStatusChangedDocument,
    "\n  subscription TripPaymentChanged($reservationId: ID) {\n    paymentStatusChanged(reservationId: $reservationId) {\n      id\n      status\n      failureReason\n      updatedAt\n      amount {\n        amount\n        currency\n      }\n      reservation {\n        id\n        payment {\n          id\n        }\n      }\n    }\n  }\n": typeof types.TripPaymentChangedDocument,
    "\n  query HostDashboard {\n    dashboard(first: 100) {\n      edges {\n        node {\n          roomId\n          name\n          city\n          status\n          pricePerNight {\n            amount\n            currency\n          }\n          reviewCount\n          averageRating\n          reservationCounts {\n            pending\n            confirmed\n            rejected\n            cancelled\n          }\n          revenue {\n            amount\n            currency\n          }\n          lastReservationStatus\n          lastPaymentStatus\n          updatedAt\n        }\n      }\n    }\n  }\n": typeof types.HostDashboardDocument,
    "\n  subscription DashboardRowChanged {\n    dashboardUpdated {\n      roomId\n      name\n      city\n      status\n      pricePerNight {\n        amount\n        currency\n      }\n      reviewCount\n      averageRating\n      reservationCounts {\n        pending\n        confirmed\n        rejected\n        cancelled\n      }\n      revenue {\n        amount\n        currency\n      }\n      lastReservationStatus\n      lastPaymentStatus\n      updatedAt\n    }\n  }\n": typeof types.DashboardRowChangedDocument,
    "\n  subscription HostBookingChanged {\n    reservationStatusChanged {\n      id\n      guestId\n      checkIn\n      checkOut\n      status\n      updatedAt\n      totalPrice {\n        amount\n        currency\n      }\n      room {\n        id\n        name\n      }\n    }\n  }\n": typeof types.HostBookingChangedDocument,
    "\n  mutation RemoveRoom($id: ID!) {\n    removeRoom(id: $id) {\n      id\n      status\n    }\n  }\n": typeof types.RemoveRoomDocument,
    "\n  query RoomToEdit($id: ID!) {\n    room(id: $id) {\n      id\n      name\n      description\n      city\n      capacity\n      amenities\n      pricePerNight {\n        amount\n        currency\n      }\n    }\n  }\n": typeof types.RoomToEditDocument,
    "\n  mutation RegisterRoom($input: RegisterRoomInput!) {\n    registerRoom(input: $input) {\n      id\n    }\n  }\n": typeof types.RegisterRoomDocument,
    "\n  mutation UpdateRoom($id: ID!, $input: UpdateRoomInput!) {\n    updateRoom(id: $id, input: $input) {\n      id\n      name\n      description\n      city\n      capacity\n      amenities\n      pricePerNight {\n        amount\n        currency\n      }\n    }\n  }\n": typeof types.UpdateRoomDocument,
};
const documents: Documents = {
    "\n  query RoomPage($id: ID!, $checkIn: Date!, $checkOut: Date!) {\n    room(id: $id) {\n      id\n      name\n      description\n      city\n      capacity\n      status\n      amenities\n      pricePerNight {\n        amount\n        currency\n      }\n      averageRating\n      reviewCount\n      isAvailable(checkIn: $checkIn, checkOut: $checkOut)\n      reviews(first: 20) {\n        edges {\n          node {\n            id\n            rating\n            comment\n            authorId\n            createdAt\n          }\n        }\n      }\n    }\n  }\n": types.RoomPageDocument,
    "\n  mutation ReserveRoom($input: ReserveRoomInput!) {\n    reserveRoom(input: $input) {\n      id\n      status\n      statusReason\n    }\n  }\n": types.ReserveRoomDocument,
    "\n  query RoomsForStay($filter: RoomFilter, $checkIn: Date!, $checkOut: Date!) {\n    rooms(filter: $filter, first: 50) {\n      totalCount\n      edges {\n        node {\n          id\n          name\n          city\n          capacity\n          description\n          pricePerNight {\n            amount\n            currency\n          }\n          averageRating\n          reviewCount\n          isAvailable(checkIn: $checkIn, checkOut: $checkOut)\n        }\n      }\n    }\n  }\n": types.RoomsForStayDocument,
    "\n  subscription RoomListChanged {\n    roomChanged {\n      id\n      name\n      city\n      capacity\n      description\n      status\n      pricePerNight {\n        amount\n        currency\n      }\n    }\n  }\n": types.RoomListChangedDocument,
    "\n  query Trip($id: ID!) {\n    reservation(id: $id) {\n      id\n      checkIn\n      checkOut\n      nights\n      guests\n      status\n      statusReason\n      totalPrice {\n        amount\n        currency\n      }\n      history {\n        status\n        at\n        reason\n      }\n      room {\n        id\n        name\n        city\n      }\n      payment {\n        id\n        status\n        failureReason\n        amount {\n          amount\n          currency\n        }\n      }\n    }\n  }\n": types.TripDocument,
    "\n  mutation CancelTrip($id: ID!, $reason: String) {\n    cancelReservation(id: $id, reason: $reason) {\n      id\n      status\n      statusReason\n    }\n  }\n": types.CancelTripDocument,
    "\n  mutation WriteReview($input: WriteReviewInput!) {\n    writeReview(input: $input) {\n      id\n      rating\n      comment\n      room {\n        id\n        averageRating\n        reviewCount\n      }\n    }\n  }\n": types.WriteReviewDocument,
    "\n  query MyTrips {\n    myReservations(first: 50) {\n      totalCount\n      edges {\n        node {\n          id\n          checkIn\n          checkOut\n          nights\n          guests\n          status\n          totalPrice {\n            amount\n            currency\n          }\n          room {\n            id\n            name\n            city\n          }\n          payment {\n            id\n            status\n          }\n        }\n      }\n    }\n  }\n": types.MyTripsDocument,
    "\n  subscription TripStatusChanged($reservationId: ID) {\n    reservationStatusChanged(reservationId: $reservationId) {\n      id\n      status\n      statusReason\n      updatedAt\n      history {\n        status\n        at\n        reason\n      }\n      payment {\n        id\n        status\n        failureReason\n        updatedAt\n      }\n    }\n  }\n": types.TripStatusChangedDocument,
    "\n  subscription TripPaymentChanged($reservationId: ID) {\n    paymentStatusChanged(reservationId: $reservationId) {\n      id\n      status\n      failureReason\n      updatedAt\n      amount {\n        amount\n        currency\n      }\n      reservation {\n        id\n        payment {\n          id\n        }\n      }\n    }\n  }\n": types.TripPaymentChangedDocument,
    "\n  query HostDashboard {\n    dashboard(first: 100) {\n      edges {\n        node {\n          roomId\n          name\n          city\n          status\n          pricePerNight {\n            amount\n            currency\n          }\n          reviewCount\n          averageRating\n          reservationCounts {\n            pending\n            confirmed\n            rejected\n            cancelled\n          }\n          revenue {\n            amount\n            currency\n          }\n          lastReservationStatus\n          lastPaymentStatus\n          updatedAt\n        }\n      }\n    }\n  }\n": types.HostDashboardDocument,
    "\n  subscription DashboardRowChanged {\n    dashboardUpdated {\n      roomId\n      name\n      city\n      status\n      pricePerNight {\n        amount\n        currency\n      }\n      reviewCount\n      averageRating\n      reservationCounts {\n        pending\n        confirmed\n        rejected\n        cancelled\n      }\n      revenue {\n        amount\n        currency\n      }\n      lastReservationStatus\n      lastPaymentStatus\n      updatedAt\n    }\n  }\n": types.DashboardRowChangedDocument,
    "\n  subscription HostBookingChanged {\n    reservationStatusChanged {\n      id\n      guestId\n      checkIn\n      checkOut\n      status\n      updatedAt\n      totalPrice {\n        amount\n        currency\n      }\n      room {\n        id\n        name\n      }\n    }\n  }\n": types.HostBookingChangedDocument,
    "\n  mutation RemoveRoom($id: ID!) {\n    removeRoom(id: $id) {\n      id\n      status\n    }\n  }\n": types.RemoveRoomDocument,
    "\n  query RoomToEdit($id: ID!) {\n    room(id: $id) {\n      id\n      name\n      description\n      city\n      capacity\n      amenities\n      pricePerNight {\n        amount\n        currency\n      }\n    }\n  }\n": types.RoomToEditDocument,
    "\n  mutation RegisterRoom($input: RegisterRoomInput!) {\n    registerRoom(input: $input) {\n      id\n    }\n  }\n": types.RegisterRoomDocument,
    "\n  mutation UpdateRoom($id: ID!, $input: UpdateRoomInput!) {\n    updateRoom(id: $id, input: $input) {\n      id\n      name\n      description\n      city\n      capacity\n      amenities\n      pricePerNight {\n        amount\n        currency\n      }\n    }\n  }\n": types.UpdateRoomDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RoomPage($id: ID!, $checkIn: Date!, $checkOut: Date!) {\n    room(id: $id) {\n      id\n      name\n      description\n      city\n      capacity\n      status\n      amenities\n      pricePerNight {\n        amount\n        currency\n      }\n      averageRating\n      reviewCount\n      isAvailable(checkIn: $checkIn, checkOut: $checkOut)\n      reviews(first: 20) {\n        edges {\n          node {\n            id\n            rating\n            comment\n            authorId\n            createdAt\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query RoomPage($id: ID!, $checkIn: Date!, $checkOut: Date!) {\n    room(id: $id) {\n      id\n      name\n      description\n      city\n      capacity\n      status\n      amenities\n      pricePerNight {\n        amount\n        currency\n      }\n      averageRating\n      reviewCount\n      isAvailable(checkIn: $checkIn, checkOut: $checkOut)\n      reviews(first: 20) {\n        edges {\n          node {\n            id\n            rating\n            comment\n            authorId\n            createdAt\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReserveRoom($input: ReserveRoomInput!) {\n    reserveRoom(input: $input) {\n      id\n      status\n      statusReason\n    }\n  }\n"): (typeof documents)["\n  mutation ReserveRoom($input: ReserveRoomInput!) {\n    reserveRoom(input: $input) {\n      id\n      status\n      statusReason\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RoomsForStay($filter: RoomFilter, $checkIn: Date!, $checkOut: Date!) {\n    rooms(filter: $filter, first: 50) {\n      totalCount\n      edges {\n        node {\n          id\n          name\n          city\n          capacity\n          description\n          pricePerNight {\n            amount\n            currency\n          }\n          averageRating\n          reviewCount\n          isAvailable(checkIn: $checkIn, checkOut: $checkOut)\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query RoomsForStay($filter: RoomFilter, $checkIn: Date!, $checkOut: Date!) {\n    rooms(filter: $filter, first: 50) {\n      totalCount\n      edges {\n        node {\n          id\n          name\n          city\n          capacity\n          description\n          pricePerNight {\n            amount\n            currency\n          }\n          averageRating\n          reviewCount\n          isAvailable(checkIn: $checkIn, checkOut: $checkOut)\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription RoomListChanged {\n    roomChanged {\n      id\n      name\n      city\n      capacity\n      description\n      status\n      pricePerNight {\n        amount\n        currency\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription RoomListChanged {\n    roomChanged {\n      id\n      name\n      city\n      capacity\n      description\n      status\n      pricePerNight {\n        amount\n        currency\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Trip($id: ID!) {\n    reservation(id: $id) {\n      id\n      checkIn\n      checkOut\n      nights\n      guests\n      status\n      statusReason\n      totalPrice {\n        amount\n        currency\n      }\n      history {\n        status\n        at\n        reason\n      }\n      room {\n        id\n        name\n        city\n      }\n      payment {\n        id\n        status\n        failureReason\n        amount {\n          amount\n          currency\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Trip($id: ID!) {\n    reservation(id: $id) {\n      id\n      checkIn\n      checkOut\n      nights\n      guests\n      status\n      statusReason\n      totalPrice {\n        amount\n        currency\n      }\n      history {\n        status\n        at\n        reason\n      }\n      room {\n        id\n        name\n        city\n      }\n      payment {\n        id\n        status\n        failureReason\n        amount {\n          amount\n          currency\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelTrip($id: ID!, $reason: String) {\n    cancelReservation(id: $id, reason: $reason) {\n      id\n      status\n      statusReason\n    }\n  }\n"): (typeof documents)["\n  mutation CancelTrip($id: ID!, $reason: String) {\n    cancelReservation(id: $id, reason: $reason) {\n      id\n      status\n      statusReason\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation WriteReview($input: WriteReviewInput!) {\n    writeReview(input: $input) {\n      id\n      rating\n      comment\n      room {\n        id\n        averageRating\n        reviewCount\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation WriteReview($input: WriteReviewInput!) {\n    writeReview(input: $input) {\n      id\n      rating\n      comment\n      room {\n        id\n        averageRating\n        reviewCount\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyTrips {\n    myReservations(first: 50) {\n      totalCount\n      edges {\n        node {\n          id\n          checkIn\n          checkOut\n          nights\n          guests\n          status\n          totalPrice {\n            amount\n            currency\n          }\n          room {\n            id\n            name\n            city\n          }\n          payment {\n            id\n            status\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query MyTrips {\n    myReservations(first: 50) {\n      totalCount\n      edges {\n        node {\n          id\n          checkIn\n          checkOut\n          nights\n          guests\n          status\n          totalPrice {\n            amount\n            currency\n          }\n          room {\n            id\n            name\n            city\n          }\n          payment {\n            id\n            status\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TripStatusChanged($reservationId: ID) {\n    reservationStatusChanged(reservationId: $reservationId) {\n      id\n      status\n      statusReason\n      updatedAt\n      history {\n        status\n        at\n        reason\n      }\n      payment {\n        id\n        status\n        failureReason\n        updatedAt\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription TripStatusChanged($reservationId: ID) {\n    reservationStatusChanged(reservationId: $reservationId) {\n      id\n      status\n      statusReason\n      updatedAt\n      history {\n        status\n        at\n        reason\n      }\n      payment {\n        id\n        status\n        failureReason\n        updatedAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TripPaymentChanged($reservationId: ID) {\n    paymentStatusChanged(reservationId: $reservationId) {\n      id\n      status\n      failureReason\n      updatedAt\n      amount {\n        amount\n        currency\n      }\n      reservation {\n        id\n        payment {\n          id\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription TripPaymentChanged($reservationId: ID) {\n    paymentStatusChanged(reservationId: $reservationId) {\n      id\n      status\n      failureReason\n      updatedAt\n      amount {\n        amount\n        currency\n      }\n      reservation {\n        id\n        payment {\n          id\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query HostDashboard {\n    dashboard(first: 100) {\n      edges {\n        node {\n          roomId\n          name\n          city\n          status\n          pricePerNight {\n            amount\n            currency\n          }\n          reviewCount\n          averageRating\n          reservationCounts {\n            pending\n            confirmed\n            rejected\n            cancelled\n          }\n          revenue {\n            amount\n            currency\n          }\n          lastReservationStatus\n          lastPaymentStatus\n          updatedAt\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query HostDashboard {\n    dashboard(first: 100) {\n      edges {\n        node {\n          roomId\n          name\n          city\n          status\n          pricePerNight {\n            amount\n            currency\n          }\n          reviewCount\n          averageRating\n          reservationCounts {\n            pending\n            confirmed\n            rejected\n            cancelled\n          }\n          revenue {\n            amount\n            currency\n          }\n          lastReservationStatus\n          lastPaymentStatus\n          updatedAt\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription DashboardRowChanged {\n    dashboardUpdated {\n      roomId\n      name\n      city\n      status\n      pricePerNight {\n        amount\n        currency\n      }\n      reviewCount\n      averageRating\n      reservationCounts {\n        pending\n        confirmed\n        rejected\n        cancelled\n      }\n      revenue {\n        amount\n        currency\n      }\n      lastReservationStatus\n      lastPaymentStatus\n      updatedAt\n    }\n  }\n"): (typeof documents)["\n  subscription DashboardRowChanged {\n    dashboardUpdated {\n      roomId\n      name\n      city\n      status\n      pricePerNight {\n        amount\n        currency\n      }\n      reviewCount\n      averageRating\n      reservationCounts {\n        pending\n        confirmed\n        rejected\n        cancelled\n      }\n      revenue {\n        amount\n        currency\n      }\n      lastReservationStatus\n      lastPaymentStatus\n      updatedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription HostBookingChanged {\n    reservationStatusChanged {\n      id\n      guestId\n      checkIn\n      checkOut\n      status\n      updatedAt\n      totalPrice {\n        amount\n        currency\n      }\n      room {\n        id\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription HostBookingChanged {\n    reservationStatusChanged {\n      id\n      guestId\n      checkIn\n      checkOut\n      status\n      updatedAt\n      totalPrice {\n        amount\n        currency\n      }\n      room {\n        id\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveRoom($id: ID!) {\n    removeRoom(id: $id) {\n      id\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation RemoveRoom($id: ID!) {\n    removeRoom(id: $id) {\n      id\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RoomToEdit($id: ID!) {\n    room(id: $id) {\n      id\n      name\n      description\n      city\n      capacity\n      amenities\n      pricePerNight {\n        amount\n        currency\n      }\n    }\n  }\n"): (typeof documents)["\n  query RoomToEdit($id: ID!) {\n    room(id: $id) {\n      id\n      name\n      description\n      city\n      capacity\n      amenities\n      pricePerNight {\n        amount\n        currency\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RegisterRoom($input: RegisterRoomInput!) {\n    registerRoom(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation RegisterRoom($input: RegisterRoomInput!) {\n    registerRoom(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateRoom($id: ID!, $input: UpdateRoomInput!) {\n    updateRoom(id: $id, input: $input) {\n      id\n      name\n      description\n      city\n      capacity\n      amenities\n      pricePerNight {\n        amount\n        currency\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateRoom($id: ID!, $input: UpdateRoomInput!) {\n    updateRoom(id: $id, input: $input) {\n      id\n      name\n      description\n      city\n      capacity\n      amenities\n      pricePerNight {\n        amount\n        currency\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;