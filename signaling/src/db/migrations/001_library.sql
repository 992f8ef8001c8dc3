-- Resource library (资源库): lesson recordings and uploaded resources, their files, and who downloaded what.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE library_entries (
  id text PRIMARY KEY,
  -- Insertion order, the tie-breaker for "newest first" when two entries share a timestamp.
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  kind text NOT NULL CHECK (kind IN ('recording', 'upload')),
  status text NOT NULL CHECK (status IN ('recording', 'processing', 'ready', 'failed')),
  progress double precision CHECK (progress IS NULL OR (progress >= 0 AND progress <= 1)),
  -- One recording per lesson; NULL for uploads.
  lesson_id text UNIQUE,
  title text NOT NULL,
  description text NOT NULL DEFAULT '',
  subject text NOT NULL,
  grade text NOT NULL,
  teacher_name text NOT NULL,
  school text NOT NULL,
  knowledge_points text[] NOT NULL DEFAULT '{}',
  -- Title, description and knowledge points in one column for substring search (Chinese has no word breaks).
  search_text text NOT NULL,
  duration_seconds double precision,
  chapters jsonb NOT NULL DEFAULT '[]',
  gaps jsonb NOT NULL DEFAULT '[]',
  comments jsonb NOT NULL DEFAULT '[]',
  -- HLS: the playlist name and every file name the player may ask for, with storage key and content type.
  hls_playlist text,
  hls_files jsonb NOT NULL DEFAULT '[]',
  thumbnail_file_id text,
  failure_reason text,
  download_count integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'recording') = (lesson_id IS NOT NULL))
);

CREATE INDEX library_entries_search_trgm ON library_entries USING gin (search_text gin_trgm_ops);
CREATE INDEX library_entries_knowledge_points ON library_entries USING gin (knowledge_points);
CREATE INDEX library_entries_newest ON library_entries (created_at DESC, seq DESC);
CREATE INDEX library_entries_subject ON library_entries (subject);
CREATE INDEX library_entries_grade ON library_entries (grade);
CREATE INDEX library_entries_school ON library_entries (school);
CREATE INDEX library_entries_teacher ON library_entries (teacher_name);

CREATE TABLE library_files (
  -- Opaque id shown to clients; the storage key never leaves the server.
  id text PRIMARY KEY,
  entry_id text NOT NULL REFERENCES library_entries (id) ON DELETE CASCADE,
  position integer NOT NULL,
  role text NOT NULL CHECK (role IN ('main', 'angle', 'stage', 'hls', 'thumbnail', 'manifest', 'upload')),
  label text NOT NULL,
  file_name text NOT NULL,
  content_type text NOT NULL,
  bytes bigint NOT NULL CHECK (bytes >= 0),
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  storage_key text NOT NULL,
  duration_seconds double precision,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (entry_id, position)
);

CREATE TABLE library_downloads (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  entry_id text NOT NULL REFERENCES library_entries (id) ON DELETE CASCADE,
  -- Kept when a republished recording replaces its files, so the count and the events stay in step.
  file_id text REFERENCES library_files (id) ON DELETE SET NULL,
  -- The token's subject (or 'admin' for the API key), its role and display name at the time.
  user_id text NOT NULL,
  user_role text NOT NULL,
  user_name text NOT NULL,
  downloaded_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX library_downloads_entry ON library_downloads (entry_id, downloaded_at);
CREATE INDEX library_downloads_time ON library_downloads (downloaded_at);
