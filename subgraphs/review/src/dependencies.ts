import type { Clock, CommandHandler } from '@roombook/kernel';
import type { Review } from './domain/review';
import type { ReviewStore } from './reviewStore';
import type { StayDirectory } from './stayDirectory';

/** What the review use cases work with; service.ts builds it. */
export interface ReviewDependencies {
  readonly reviews: ReviewStore;
  readonly commands: CommandHandler<Review>;
  readonly stays: StayDirectory;
  readonly clock: Clock;
}
