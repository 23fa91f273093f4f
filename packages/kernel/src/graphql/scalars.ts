import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { isCalendarDate } from '../calendar';

function invalid(scalar: string, rule: string): GraphQLError {
  return new GraphQLError(`${scalar} ${rule}`, { extensions: { code: 'BAD_USER_INPUT' } });
}

/** "YYYY-MM-DD", a real calendar day; kept as the string (dates have no time zone here). */
export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'A calendar date, "YYYY-MM-DD"',
  serialize: (value) => String(value),
  parseValue: (value) => {
    if (typeof value !== 'string' || !isCalendarDate(value))
      throw invalid('Date', 'must be a calendar date "YYYY-MM-DD"');
    return value;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING || !isCalendarDate(ast.value))
      throw invalid('Date', 'must be a calendar date "YYYY-MM-DD"');
    return ast.value;
  },
});

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An ISO-8601 instant in UTC',
  serialize: (value) => (value instanceof Date ? value : new Date(String(value))).toISOString(),
  parseValue: (value) => {
    const date = new Date(String(value));
    if (Number.isNaN(date.getTime())) throw invalid('DateTime', 'must be an ISO-8601 instant');
    return date;
  },
});
