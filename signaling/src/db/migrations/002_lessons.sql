-- Lessons, remote classrooms, their pairings, and every lesson's timeline: shared by all signaling nodes.

CREATE TABLE lessons (
  id text PRIMARY KEY,
  -- Creation order: lessons are listed oldest first.
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  title text NOT NULL,
  subject text NOT NULL,
  grade text NOT NULL,
  teacher_name text NOT NULL,
  school text NOT NULL,
  knowledge_points text[] NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'live', 'ended')),
  scheduled_at timestamptz,
  started_at timestamptz,
  ended_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE classrooms (
  id text PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  name text NOT NULL,
  school text NOT NULL,
  local_teacher_name text NOT NULL,
  roster_size integer NOT NULL CHECK (roster_size BETWEEN 0 AND 500),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE lesson_classrooms (
  lesson_id text NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
  classroom_id text NOT NULL REFERENCES classrooms (id) ON DELETE CASCADE,
  -- Pairing order: a lesson lists its classrooms in the order they were paired.
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  paired_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (lesson_id, classroom_id)
);

CREATE INDEX lesson_classrooms_classroom ON lesson_classrooms (classroom_id);

CREATE TABLE timeline_events (
  id text PRIMARY KEY,
  -- Append order across every node: the order a lesson's events are read back in.
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  lesson_id text NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
  type text NOT NULL,
  at timestamptz NOT NULL,
  -- bigint: a lesson left live for weeks must not overflow.
  lesson_ms bigint NOT NULL CHECK (lesson_ms >= 0),
  actor_id text,
  subject_id text,
  data jsonb NOT NULL DEFAULT '{}'
);

CREATE INDEX timeline_events_lesson ON timeline_events (lesson_id, seq);
