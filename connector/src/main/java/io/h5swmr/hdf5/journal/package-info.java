/**
 * The commit protocol: one transaction API every writer commits through.
 *
 * <p>Owns the redo journal of docs/journal.md (format, validation, the state a committed journal
 * describes: {@code JournalFormat}, {@code JournalCheck}, {@code JournalOverlay}), the write
 * session that sends HDF5's writes below the committed end of file to the journal ({@code
 * JournalSession}), recovery of an interrupted commit ({@code JournalRecovery}), the write fence
 * ({@code WriteFence}), the disk operations ({@code Disk}), and the transaction built from them
 * ({@code JournalTransaction}): fence, recover, open read-write, commit with an explicit hook, and
 * the copy-on-write path for new files. The Spark commit, {@code H5SwmrAppender} and the streaming
 * sink all commit through it. Readers and the transaction hand {@code H5File} a committed-journal
 * view (a storage of {@code hdf5.driver}); {@code H5File} never calls into this package.
 *
 * <p>May import: {@code io.h5swmr.hdf5}, {@code io.h5swmr.hdf5.driver} and {@code
 * io.h5swmr.exceptions}. Never Spark, {@code lock} or {@code config}: the lease a transaction
 * checks comes in as its {@code JournalTransaction.Fence}, and the step hook ({@code CommitHook},
 * {@code NONE} in production) is a parameter, never a static.
 */
package io.h5swmr.hdf5.journal;
