package web

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"mailq/queue"
)

// The queue, for administrators: counts per folder, the sets of a folder
// with their recipients, and the changes queue offers (RetryNow, Requeue,
// DeleteWaiting, Remove). Nothing here touches a file itself.

// queueFolders are the folders the queue view shows, in order.
var queueFolders = []queue.Folder{queue.Incoming, queue.External, queue.Retry, queue.Sent, queue.Failed, queue.Bad}

// FolderCount is one folder's count.
type FolderCount struct {
	Folder string `json:"folder"`
	Sets   int    `json:"sets"`
}

// SetInfo is one set of a queue folder. JSON names are part of the API.
type SetInfo struct {
	ID         queue.ID        `json:"id"`
	Folder     string          `json:"folder"`
	From       string          `json:"from"` // "" is the null sender <>
	Received   time.Time       `json:"received"`
	Size       int64           `json:"size"`
	Recipients []RecipientInfo `json:"recipients"`
	Error      string          `json:"error,omitempty"` // the envelope could not be read
}

// RecipientInfo is one recipient of a set.
type RecipientInfo struct {
	Address  string     `json:"address"`
	Status   string     `json:"status"` // pending, delivered or failed
	Attempts int        `json:"attempts"`
	Next     *time.Time `json:"next,omitempty"` // next attempt; absent if none is set
	Result   string     `json:"result,omitempty"`
}

func folderByName(name string) (queue.Folder, bool) {
	for _, f := range queueFolders {
		if f.String() == name {
			return f, true
		}
	}
	return 0, false
}

func (s *Server) counts() ([]FolderCount, error) {
	out := make([]FolderCount, 0, len(queueFolders))
	for _, f := range queueFolders {
		n, err := s.opt.Tree.Count(f)
		if err != nil {
			return nil, err
		}
		out = append(out, FolderCount{Folder: f.String(), Sets: n})
	}
	return out, nil
}

// setPage lists one page of folder f, newest first.
func (s *Server) setPage(f queue.Folder, offset, limit int) ([]SetInfo, int, error) {
	ids, err := s.opt.Tree.List(f)
	if err != nil {
		return nil, 0, err
	}
	slices.Reverse(ids)
	total := len(ids)
	out := []SetInfo{}
	if offset >= total {
		return out, total, nil
	}
	for _, id := range ids[offset:min(total, offset+limit)] {
		out = append(out, s.setInfo(f, id))
	}
	return out, total, nil
}

func (s *Server) setInfo(f queue.Folder, id queue.ID) SetInfo {
	info := SetInfo{ID: id, Folder: f.String(), Recipients: []RecipientInfo{}}
	env, err := s.opt.Tree.PeekEnvelope(f, id)
	if err != nil {
		info.Error = "envelope unreadable"
		if errors.Is(err, queue.ErrNotFound) {
			info.Error = "gone"
		}
		return info
	}
	info.From, info.Received, info.Size = env.From, env.Received, env.Size
	for _, r := range env.Recipients {
		ri := RecipientInfo{Address: r.Addr, Status: r.Status.String(), Attempts: r.Attempts, Result: r.Result}
		if !r.Next.IsZero() {
			next := r.Next
			ri.Next = &next
		}
		info.Recipients = append(info.Recipients, ri)
	}
	return info
}

// queueAction makes one administrator's change to set id in folder:
// "retry" (retry/ only: due now), "requeue" (failed/ only: back to the
// MXA), "delete" (retry/ while not due, sent/, failed/, bad/).
func (s *Server) queueAction(v *viewer, folder, idText, action string) error {
	if !v.admin {
		return errForbidden
	}
	f, ok := folderByName(folder)
	id := queue.ID(idText)
	if !ok || !id.Valid() || !s.opt.Tree.Has(f, id) {
		return queue.ErrNotFound
	}
	var err error
	switch {
	case action == "retry" && f == queue.Retry:
		err = s.opt.Tree.RetryNow(id)
	case action == "requeue" && f == queue.Failed:
		err = s.opt.Tree.Requeue(id)
	case action == "delete" && f == queue.Retry:
		err = s.opt.Tree.DeleteWaiting(id)
	case action == "delete" && (f == queue.Sent || f == queue.Failed || f == queue.Bad):
		err = s.opt.Tree.Remove(f, id)
	default:
		return badRequest("cannot " + action + " a set in " + folder + "/ (retry: in retry/; requeue: in failed/; delete: in retry/, sent/, failed/ or bad/)")
	}
	if err == nil {
		s.opt.Log.Infof("Web", "%s: %s %s in %s/", v.Name(), action, id, folder)
	}
	return err
}

func (s *Server) apiQueue(w http.ResponseWriter, r *http.Request, v *viewer) {
	if !v.admin {
		s.failAPI(w, r, errForbidden)
		return
	}
	c, err := s.counts()
	if err != nil {
		s.failAPI(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"folders": c})
}

func (s *Server) apiQueueFolder(w http.ResponseWriter, r *http.Request, v *viewer) {
	if !v.admin {
		s.failAPI(w, r, errForbidden)
		return
	}
	f, ok := folderByName(r.PathValue("folder"))
	if !ok {
		s.failAPI(w, r, queue.ErrNotFound)
		return
	}
	offset, err := intParam(r, "offset", 0, 1<<30)
	limit, err2 := intParam(r, "limit", defaultLimit, maxLimit)
	if err = errors.Join(err, err2); err != nil {
		s.failAPI(w, r, err)
		return
	}
	sets, total, err := s.setPage(f, offset, limit)
	if err != nil {
		s.failAPI(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"folder": f.String(), "total": total, "offset": offset, "limit": limit, "sets": sets})
}

func (s *Server) apiQueueAction(w http.ResponseWriter, r *http.Request, v *viewer) {
	if err := s.queueAction(v, r.PathValue("folder"), r.PathValue("id"), r.PathValue("action")); err != nil {
		s.failAPI(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"done": r.PathValue("action"), "id": r.PathValue("id")})
}

func (s *Server) apiQueueDelete(w http.ResponseWriter, r *http.Request, v *viewer) {
	if err := s.queueAction(v, r.PathValue("folder"), r.PathValue("id"), "delete"); err != nil {
		s.failAPI(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"done": "delete", "id": r.PathValue("id")})
}
